import { Body, Controller, Get, Put, Query, UseGuards } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminCaller, AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiAdminEndpoint, Envelope, ErrorBodyDto, ok } from '../http/envelope';
import { NoQueryDto } from '../http/no-query.dto';
import { IngestPolicyAdminService } from './ingest-policy-admin.service';
import { IngestPolicyUpdateDto, IngestPolicyViewDto } from './ingest-policy.dto';

const NOT_SEEDED = {
  description: 'ADMIN_INGEST_POLICY_NOT_FOUND: no ingest-api has started yet to seed the policy from its environment',
  type: ErrorBodyDto,
};

@ApiTags('ingest policy')
@Controller('api/v1/admin/user-activity/ingest-policy')
@UseGuards(AdminTokenGuard)
export class IngestPolicyController {
  constructor(private readonly policy: IngestPolicyAdminService) {}

  @Get()
  @ApiOperation({
    summary:
      'Runbook §9: the allowlist and rate limits every ingest-api replica applies now, the base values and any ' +
      'temporary override with its expiry',
  })
  @ApiAdminEndpoint(IngestPolicyViewDto)
  @ApiNotFoundResponse(NOT_SEEDED)
  async read(@Query() _query: NoQueryDto): Promise<Envelope<IngestPolicyViewDto>> {
    return ok(await this.policy.read());
  }

  @Put()
  @ApiOperation({
    summary:
      'Runbook §9-1 (raise a limit, for a while with `override.until`) and §9-2 (add an agreed name): the parts given ' +
      'replace the current ones; every ingest-api replica applies the change within 2 s. Audited with `reason`, ' +
      'before and after.',
  })
  @ApiAdminEndpoint(IngestPolicyViewDto)
  @ApiNotFoundResponse(NOT_SEEDED)
  async change(
    @Query() _query: NoQueryDto,
    @Body() update: IngestPolicyUpdateDto,
    @AdminCaller() caller: string,
  ): Promise<Envelope<IngestPolicyViewDto>> {
    return ok(await this.policy.change(caller, update));
  }
}
