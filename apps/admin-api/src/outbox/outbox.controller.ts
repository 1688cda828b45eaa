import { Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { AdminCaller, AdminTokenGuard } from '../auth/admin-token.guard';
import { NoQueryDto } from '../http/no-query.dto';
import { ApiAdminEndpoint, Envelope, ErrorBodyDto, ok } from '../http/envelope';
import { OutboxAdminService } from './outbox-admin.service';
import { OutboxReplayQueryDto, OutboxReplayResultDto, OutboxSummaryDto } from './outbox.dto';

@ApiTags('source outbox')
@Controller('api/v1/admin/user-activity/outbox')
@UseGuards(AdminTokenGuard)
export class OutboxController {
  constructor(private readonly outbox: OutboxAdminService) {}

  @Get('summary')
  @ApiOperation({
    summary: 'Runbook §5-1: source outbox rows by status, the highest retry count, the oldest PENDING row',
  })
  @ApiAdminEndpoint(OutboxSummaryDto)
  async summary(@Query() _query: NoQueryDto): Promise<Envelope<OutboxSummaryDto>> {
    return ok(await this.outbox.summary());
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Runbook §5-2: re-publish FAILED rows (parked included) and PENDING rows older than REPLAY_PENDING_MIN_AGE, ' +
      'oldest first, with the same event ids; never takes a row the relay holds (SKIP LOCKED). Audited.',
  })
  @ApiAdminEndpoint(OutboxReplayResultDto)
  @ApiServiceUnavailableResponse({ description: 'ADMIN_REPLAY_UNAVAILABLE: MQ_PROVIDER=none', type: ErrorBodyDto })
  async replay(
    @Query() query: OutboxReplayQueryDto,
    @AdminCaller() caller: string,
  ): Promise<Envelope<OutboxReplayResultDto>> {
    return ok(await this.outbox.replay(caller, query.limit));
  }
}
