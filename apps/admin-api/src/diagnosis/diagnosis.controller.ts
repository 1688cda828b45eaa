import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiAdminEndpoint, Envelope, ErrorBodyDto, ok } from '../http/envelope';
import {
  DiagnosisDto,
  DiagnosisQueryDto,
  IncidentReportQueryDto,
  RECOVERY_SINCE,
  RecoveryCheckDto,
  RecoveryCheckQueryDto,
} from './diagnosis.dto';
import { DiagnosisService } from './diagnosis.service';

@ApiTags('diagnosis')
@Controller('api/v1/admin/user-activity')
@UseGuards(AdminTokenGuard)
export class DiagnosisController {
  constructor(private readonly diagnosis: DiagnosisService) {}

  @Get('diagnosis')
  @ApiOperation({
    summary:
      'Runbook §2–§4: the §3 flowchart walked on live data; the §2 matrix rows it finds (most upstream first, empty ' +
      'when healthy) with their evidence, 즉시 대응 and next calls, and the path of decisions',
  })
  @ApiAdminEndpoint(DiagnosisDto)
  @ApiNotFoundResponse({ description: 'NOT_FOUND: with eventId, no table knows this event id', type: ErrorBodyDto })
  async diagnose(@Query() query: DiagnosisQueryDto): Promise<Envelope<DiagnosisDto>> {
    return ok(await this.diagnosis.diagnose(query.since, query.eventId));
  }

  @Get('recovery-check')
  @ApiOperation({
    summary:
      'Runbook §10: each post-recovery check pass or fail with its numbers; the second half of the window against ' +
      'the first, and the stored rate against as long again before the window',
  })
  @ApiAdminEndpoint(RecoveryCheckDto)
  async recoveryCheck(@Query() query: RecoveryCheckQueryDto): Promise<Envelope<RecoveryCheckDto>> {
    return ok(await this.diagnosis.recoveryCheck(query.since ?? RECOVERY_SINCE.fallback));
  }

  @Get('incident-report')
  @ApiOperation({
    summary:
      'Runbook §11: the incident note in Korean Markdown, filled with what the system knows of the window; what ' +
      'only a person knows is marked (작성 필요)',
  })
  @ApiBearerAuth()
  @ApiProduces('text/markdown')
  @ApiOkResponse({
    description: 'The §11 template, filled',
    content: { 'text/markdown': { schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({
    description: 'INVALID_REQUEST: from or to is not an instant with a time zone, to is not after from, or too far',
    type: ErrorBodyDto,
  })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: no admin token', type: ErrorBodyDto })
  async incidentReport(
    @Query() query: IncidentReportQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const report = await this.diagnosis.incidentReport(query.from, query.to);
    reply.type('text/markdown; charset=utf-8');
    return report;
  }
}
