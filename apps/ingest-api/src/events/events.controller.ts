import { Body, Controller, Headers, HttpCode, Post, Res, UseGuards, UseInterceptors } from '@nestjs/common';
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
import type { Response } from 'express';
import { MemberTokenResolver } from '../auth/member-token.resolver';
import { ServiceTokenGuard } from '../auth/service-token.guard';
import { ClientIngestRequestDto, IngestResultDto, ServerIngestRequestDto } from './ingest-request.dto';
import { IngestAnswer, IngestService } from './ingest.service';
import { OversizedBatchGuard } from './oversized-batch.guard';
import { RequestOutcomeInterceptor } from './request-outcome.interceptor';

interface Envelope {
  success: true;
  data: IngestResultDto;
}

function answer(response: Response, { result, headers }: IngestAnswer): Envelope {
  response.set(headers);
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
@UseInterceptors(RequestOutcomeInterceptor)
export class EventsController {
  constructor(
    private readonly ingest: IngestService,
    private readonly memberTokens: MemberTokenResolver,
  ) {}

  @Post('analytics/events')
  @HttpCode(202)
  @UseGuards(OversizedBatchGuard)
  @ApiOperation({ summary: 'Client events (web, app); an optional member JWT, else anonymousId is required' })
  @ApiBearerAuth()
  @ApiHeader({ name: 'X-Anonymous-Id', required: false })
  @ApiResponse(ACCEPTED)
  @ApiResponse({ status: 400, description: 'INVALID_REQUEST, ANALYTICS_INGEST_BATCH_LIMIT_EXCEEDED, …' })
  @ApiResponse({ status: 413, description: 'Body over ANALYTICS_INGEST_MAX_BODY_BYTES' })
  @ApiResponse({ status: 429, description: 'ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED, with Retry-After' })
  @ApiResponse({ status: 503, description: 'ANALYTICS_INGEST_UNAVAILABLE: the commit failed, nothing stored' })
  async ingestClientEvents(
    @Body() request: ClientIngestRequestDto,
    @Headers('authorization') authorization: string | undefined,
    @Headers('x-anonymous-id') anonymousId: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Envelope> {
    const memberId = this.memberTokens.resolveMemberId(authorization);
    return answer(response, await this.ingest.ingestClientEvents(request, memberId, anonymousId));
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
  async ingestServerEvents(
    @Body() request: ServerIngestRequestDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Envelope> {
    return answer(response, await this.ingest.ingestServerEvents(request));
  }
}
