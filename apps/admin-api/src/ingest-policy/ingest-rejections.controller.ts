import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiAdminEndpoint, Envelope, ok } from '../http/envelope';
import { IngestRejectionsAdminService } from './ingest-rejections-admin.service';
import { IngestRejectionsDto, IngestRejectionsQueryDto } from './ingest-rejections.dto';

@ApiTags('ingest policy')
@Controller('api/v1/admin/user-activity/ingest/rejections')
@UseGuards(AdminTokenGuard)
export class IngestRejectionsController {
  constructor(private readonly rejections: IngestRejectionsAdminService) {}

  @Get()
  @ApiOperation({
    summary:
      'Runbook §9-1 / §9-2 step 1: the callers (member id, anonymous id or client IP) and event names ingest-api ' +
      'refused most since `since`, with counts and first/last seen; each replica flushes every ' +
      'INGEST_REJECTION_FLUSH_INTERVAL (5 s)',
  })
  @ApiAdminEndpoint(IngestRejectionsDto)
  async top(@Query() query: IngestRejectionsQueryDto): Promise<Envelope<IngestRejectionsDto>> {
    return ok(await this.rejections.top(query.reason, query.since, query.limit));
  }
}
