import { Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { AdminCaller, AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiAdminEndpoint, Envelope, ErrorBodyDto, ok } from '../http/envelope';
import { DeadLetterAdminService } from './dead-letter-admin.service';
import {
  DeadLetterListDto,
  DeadLetterListQueryDto,
  DeadLetterRedriveQueryDto,
  DeadLetterRedriveResultDto,
} from './dead-letter.dto';

const UNAVAILABLE = {
  description: 'ADMIN_DLQ_UNAVAILABLE: RabbitMQ is not connected, or MQ_PROVIDER=none',
  type: ErrorBodyDto,
};

@ApiTags('dead-letter queue')
@Controller('api/v1/admin/user-activity/dlq')
@UseGuards(AdminTokenGuard)
export class DeadLetterController {
  constructor(private readonly deadLetters: DeadLetterAdminService) {}

  @Get()
  @ApiOperation({
    summary:
      'Runbook §2 "consume fail 증가": the oldest messages of domain.user.activity.event-store.dlq with why and ' +
      'since when they are dead; every message stays in the queue',
  })
  @ApiAdminEndpoint(DeadLetterListDto)
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  async list(
    @Query() query: DeadLetterListQueryDto,
    @AdminCaller() caller: string,
  ): Promise<Envelope<DeadLetterListDto>> {
    return ok(await this.deadLetters.list(caller, query.limit));
  }

  @Post('redrive')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'After the cause is fixed: move dead letters back to domain.user.activity.event-store, oldest first; each is ' +
      'taken off the DLQ only once the broker confirmed its copy. Safe to repeat (the store is idempotent). Audited.',
  })
  @ApiAdminEndpoint(DeadLetterRedriveResultDto)
  @ApiServiceUnavailableResponse(UNAVAILABLE)
  async redrive(
    @Query() query: DeadLetterRedriveQueryDto,
    @AdminCaller() caller: string,
  ): Promise<Envelope<DeadLetterRedriveResultDto>> {
    return ok(await this.deadLetters.redrive(caller, query.limit));
  }
}
