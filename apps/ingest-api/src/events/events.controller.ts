import { Body, Controller, Headers, HttpCode, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiResponseOptions,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MemberTokenResolver } from '../auth/member-token.resolver';
import { ServiceTokenGuard } from '../auth/service-token.guard';
import { InvalidRequestRecorder } from '../policy/invalid-request-recorder.filter';
import { ClientNetwork } from '../rate-limit/client-network';
import { ClientIngestRequestDto, IngestResultDto, ServerIngestRequestDto } from './ingest-request.dto';
import { IngestOutcomes } from './ingest-outcomes.recorder';
import { IngestAnswer, IngestService } from './ingest.service';
import { OversizedBatchGuard } from './oversized-batch.guard';
import { countRequestOutcome } from './request-outcome';

const UNAVAILABLE =
  'ANALYTICS_INGEST_UNAVAILABLE, with Retry-After: the commit failed or was not done within INGEST_COMMIT_TIMEOUT, ' +
  'or too many requests already wait for a commit; nothing is stored';

interface Envelope {
  success: true;
  data: IngestResultDto;
}

function answer(response: FastifyReply, { result, headers }: IngestAnswer): Envelope {
  response.headers(headers);
  return { success: true, data: result };
}

const ACCEPTED: ApiResponseOptions = {
  status: 202,
  description: 'Stored in the source outbox (committed)',
  schema: {
    type: 'object',
    required: ['success', 'data'],
    properties: { success: { type: 'boolean', enum: [true] }, data: { $ref: getSchemaPath(IngestResultDto) } },
  },
};

@ApiTags('events')
@ApiExtraModels(IngestResultDto)
@Controller('api/v1')
export class EventsController {
  constructor(
    private readonly ingest: IngestService,
    private readonly memberTokens: MemberTokenResolver,
    private readonly clientNetwork: ClientNetwork,
    private readonly outcomes: IngestOutcomes,
  ) {}

  @Post('analytics/events')
  @HttpCode(202)
  @UseGuards(OversizedBatchGuard)
  @UseFilters(InvalidRequestRecorder)
  @ApiOperation({ summary: 'Client events (web, app); an optional member JWT, else anonymousId is required' })
  @ApiBearerAuth()
  @ApiHeader({ name: 'X-Anonymous-Id', required: false })
  @ApiResponse(ACCEPTED)
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST, ANALYTICS_INGEST_BATCH_LIMIT_EXCEEDED, …' })
  @ApiResponse({ status: 413, description: 'Body over ANALYTICS_INGEST_MAX_BODY_BYTES' })
  @ApiResponse({
    status: 429,
    description:
      'ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED, with Retry-After: too many requests from this caller, or from its network ' +
      '(client IP, IPv6 /64)',
  })
  @ApiResponse({ status: 503, description: UNAVAILABLE })
  async ingestClientEvents(
    @Body() request: ClientIngestRequestDto,
    @Headers('authorization') authorization: string | undefined,
    @Headers('x-anonymous-id') anonymousId: string | undefined,
    @Req() httpRequest: FastifyRequest,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<Envelope> {
    return countRequestOutcome(this.outcomes, 'client', async () => {
      const memberId = this.memberTokens.resolveMemberId(authorization);
      const network = this.clientNetwork.keyOf(httpRequest.raw);
      return answer(response, await this.ingest.ingestClientEvents(request, memberId, anonymousId, network));
    });
  }

  @Post('internal/user-activity/events')
  @HttpCode(202)
  @UseGuards(ServiceTokenGuard, OversizedBatchGuard)
  @ApiOperation({
    summary: 'Server events from backend services (Bearer INGEST_SERVICE_TOKEN); no allowlist, no rate limit',
  })
  @ApiBearerAuth()
  @ApiResponse(ACCEPTED)
  @ApiResponse({ status: 401, description: 'Missing or wrong service token' })
  @ApiResponse({ status: 503, description: UNAVAILABLE })
  async ingestServerEvents(
    @Body() request: ServerIngestRequestDto,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<Envelope> {
    return countRequestOutcome(this.outcomes, 'server', async () =>
      answer(response, await this.ingest.ingestServerEvents(request)),
    );
  }
}
