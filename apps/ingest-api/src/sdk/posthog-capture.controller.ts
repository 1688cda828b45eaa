import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientNetwork } from '../rate-limit/client-network';
import { readPosthogBatch } from './posthog-batch';
import { SdkIngestService } from './sdk-ingest.service';
import { SdkRouteDocs } from './sdk-openapi';
import { POSTHOG_BROWSER_PATHS, POSTHOG_PATHS, sdkRouteConfig } from './sdk-routes';

export interface PosthogAnswer {
  status: 1;
  quota_limited?: ['events'];
}

const BODY = 'PostHog capture: {api_key|token, batch:[…], sent_at}, an array of events, or one event';
const RATE_LIMITED =
  'ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED with Retry-After: the key (ANALYTICS_INGEST_SDK_RATE_LIMIT_*) or, for a ' +
  'CLIENT key, the client network is over its limit';

/** PostHog's capture API at the root of ingest-api: the host of posthog-js and posthog-node is ingest's base URL. */
@ApiTags('sdk')
@Controller()
export class PosthogCaptureController {
  constructor(
    private readonly sdk: SdkIngestService,
    private readonly clientNetwork: ClientNetwork,
  ) {}

  @Post(POSTHOG_BROWSER_PATHS)
  @HttpCode(200)
  @RouteConfig(sdkRouteConfig('posthog'))
  @ApiOperation({ summary: 'posthog-js capture; over the rate limit: 200 {"status":1,"quota_limited":["events"]}' })
  @SdkRouteDocs({
    body: BODY,
    ok: { status: 1 },
    rateLimited: 'Not used: posthog-js drops a 429, so the answer is 200 with quota_limited and nothing is stored',
  })
  captureFromBrowser(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PosthogAnswer> {
    return this.capture(body, request, reply, true);
  }

  @Post(POSTHOG_PATHS)
  @HttpCode(200)
  @RouteConfig(sdkRouteConfig('posthog'))
  @ApiOperation({ summary: 'PostHog capture (posthog-node and other server SDKs)' })
  @SdkRouteDocs({ body: BODY, ok: { status: 1 }, rateLimited: RATE_LIMITED })
  captureBatch(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PosthogAnswer> {
    return this.capture(body, request, reply, false);
  }

  private async capture(
    body: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
    quotaLimitedAnswer: boolean,
  ): Promise<PosthogAnswer> {
    const answer = await this.sdk.ingestBatch({
      route: 'posthog',
      batch: readPosthogBatch(body),
      clientNetwork: this.clientNetwork.keyOf(request.raw),
      quotaLimitedAnswer,
    });
    reply.headers(answer.headers);
    return answer.quotaLimited ? { status: 1, quota_limited: ['events'] } : { status: 1 };
  }
}
