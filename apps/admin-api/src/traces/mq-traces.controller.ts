import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiAdminEndpoint, Envelope, ok } from '../http/envelope';
import { MqTraceDto, MqTracesQueryDto } from './mq-traces.dto';
import { MqTracesService } from './mq-traces.service';

@ApiTags('mq traces')
@Controller('api/v1/admin/mq-traces')
@UseGuards(AdminTokenGuard)
export class MqTracesController {
  constructor(private readonly traces: MqTracesService) {}

  @Get()
  @ApiOperation({
    summary: 'Runbook §5-3: PUBLISH, PUBLISH_FAIL, CONSUME_SUCCESS, CONSUME_FAIL, DEAD_LETTER traces, newest first',
  })
  @ApiAdminEndpoint(MqTraceDto, { isArray: true })
  async newest(@Query() query: MqTracesQueryDto): Promise<Envelope<MqTraceDto[]>> {
    return ok(await this.traces.newest(query.messageId, query.limit));
  }
}
