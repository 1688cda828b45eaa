import { Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminCaller, AdminTokenGuard } from '../auth/admin-token.guard';
import { NoQueryDto } from '../http/no-query.dto';
import { ApiAdminEndpoint, Envelope, ok } from '../http/envelope';
import { DispatchAdminService } from './dispatch-admin.service';
import { DispatchReplayQueryDto, DispatchReplayResultDto, DispatchSummaryDto } from './dispatch.dto';

@ApiTags('dispatch outbox')
@Controller('api/v1/admin/user-activity/dispatch')
@UseGuards(AdminTokenGuard)
export class DispatchController {
  constructor(private readonly dispatch: DispatchAdminService) {}

  @Get('summary')
  @ApiOperation({ summary: 'Per target: dispatch outbox rows by status, the highest retry count, the breaker state' })
  @ApiAdminEndpoint(DispatchSummaryDto)
  async summary(@Query() _query: NoQueryDto): Promise<Envelope<DispatchSummaryDto>> {
    return ok(await this.dispatch.summary());
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Re-queue a target's FAILED rows (parked included) for the dispatcher now, oldest first; they stay FAILED " +
      'until sent. Audited.',
  })
  @ApiAdminEndpoint(DispatchReplayResultDto)
  async replay(
    @Query() query: DispatchReplayQueryDto,
    @AdminCaller() caller: string,
  ): Promise<Envelope<DispatchReplayResultDto>> {
    return ok(await this.dispatch.replay(caller, query.target, query.limit));
  }
}
