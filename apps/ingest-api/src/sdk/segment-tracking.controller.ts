import { Body, Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientNetwork } from '../rate-limit/client-network';
import { readSegmentBatch, SegmentType } from './segment-batch';
import { SdkIngestService } from './sdk-ingest.service';
import { SdkRouteDocs } from './sdk-openapi';
import { SEGMENT_BATCH_PATH, SEGMENT_CALL_PATHS, sdkRouteConfig, segmentCallOf } from './sdk-routes';

export interface SegmentAnswer {
  success: true;
}

const RATE_LIMITED =
  'ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED with Retry-After (the Segment and RudderStack SDKs wait it out): the key ' +
  '(ANALYTICS_INGEST_SDK_RATE_LIMIT_*) or, for a CLIENT key, the client network is over its limit';
const KEY_HEADER = {
  name: 'Authorization',
  required: false,
  description: 'Basic base64(writeKey + ":"); else the body writeKey',
};

/** Segment's HTTP Tracking API (RudderStack's too) at the root of ingest-api. */
@ApiTags('sdk')
@Controller()
export class SegmentTrackingController {
  constructor(
    private readonly sdk: SdkIngestService,
    private readonly clientNetwork: ClientNetwork,
  ) {}

  @Post(SEGMENT_BATCH_PATH)
  @HttpCode(200)
  @RouteConfig(sdkRouteConfig('segment'))
  @ApiOperation({ summary: 'Segment / RudderStack batch' })
  @ApiHeader(KEY_HEADER)
  @SdkRouteDocs({ body: '{batch:[…], writeKey?, sentAt}', ok: { success: true }, rateLimited: RATE_LIMITED })
  batch(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SegmentAnswer> {
    return this.track(body, null, authorization, request, reply);
  }

  @Post(SEGMENT_CALL_PATHS)
  @HttpCode(200)
  @RouteConfig(sdkRouteConfig('segment'))
  @ApiOperation({ summary: 'One Segment call: track, identify, page, screen, group or alias (by the path)' })
  @ApiHeader(KEY_HEADER)
  @SdkRouteDocs({ body: 'One event of the call', ok: { success: true }, rateLimited: RATE_LIMITED })
  call(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SegmentAnswer> {
    return this.track(body, segmentCallOf(request.routeOptions.url), authorization, request, reply);
  }

  private async track(
    body: unknown,
    call: SegmentType | null,
    authorization: string | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<SegmentAnswer> {
    const answer = await this.sdk.ingestBatch({
      route: 'segment',
      batch: readSegmentBatch(body, call, authorization),
      clientNetwork: this.clientNetwork.keyOf(request.raw),
      quotaLimitedAnswer: false,
    });
    reply.headers(answer.headers);
    return { success: true };
  }
}
