import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { CanonicalEvent, EventSource, IngestRejectionReason } from '@app/entities';
import { ApiError } from '@app/http';
import { IngestMetrics, IngestRequestResult, IngestSource } from '@app/observability';
import { IngestConfig } from '../ingest-api.config';
import { IngestRejections } from '../policy/ingest-rejections.recorder';
import { LiveIngestPolicy } from '../policy/live-ingest-policy.service';
import { RateLimitPolicy } from '../rate-limit/rate-limiter.service';
import { IngestOutcomes } from '../events/ingest-outcomes.recorder';
import { ingestErrors } from '../events/ingest.errors';
import { IngestService } from '../events/ingest.service';
import { requestResultOf } from '../events/request-outcome';
import { SdkBatch } from './sdk-batch';
import { SdkKeyResolver } from './sdk-key.resolver';
import { isObject, SkipReason, toSdkCanonicalEvent } from './sdk-event';
import { SdkKey } from './sdk-keys';
import { SdkRoute } from './sdk-routes';

export interface SdkAnswer {
  /** The key's rate limit refused the request and the caller gets PostHog's `quota_limited` 200 instead of a 429. */
  quotaLimited: boolean;
  headers: Record<string, string>;
}

export interface SdkRequest {
  route: SdkRoute;
  /** null when the body holds no event, event array or batch object. */
  batch: SdkBatch | null;
  clientNetwork: string;
  /** posthog-js drops a batch refused with 429; PostHog answers it 200 with `quota_limited` instead. */
  quotaLimitedAnswer: boolean;
}

const LOGGED_NAMES = 10;

/**
 * Events of the analytics SDKs (DESIGN §3, "SDK routes"): the key, its rate limit, then every event mapped on its
 * own (a bad or not-allowed one is skipped and counted, never failing its batch), then the request's events committed
 * together through the same writer as the native endpoints.
 */
@Injectable()
export class SdkIngestService {
  private readonly logger = new Logger(SdkIngestService.name);
  private readonly keyLimit: RateLimitPolicy;

  constructor(
    @Inject(APP_CONFIG) config: IngestConfig,
    private readonly keys: SdkKeyResolver,
    private readonly ingest: IngestService,
    private readonly metrics: IngestMetrics,
    private readonly outcomes: IngestOutcomes,
    private readonly policy: LiveIngestPolicy,
    private readonly rejections: IngestRejections,
  ) {
    this.keyLimit = {
      maxRequests: config.ANALYTICS_INGEST_SDK_RATE_LIMIT_MAX_REQUESTS,
      windowMs: config.ANALYTICS_INGEST_SDK_RATE_LIMIT_WINDOW,
    };
  }

  async ingestBatch(request: SdkRequest): Promise<SdkAnswer> {
    const { route } = request;
    let source: IngestSource = 'unknown';
    let key: SdkKey | undefined;
    const count = (result: IngestRequestResult) => {
      this.outcomes.request(result, source, route);
      if (key !== undefined) {
        this.metrics.sdkKeyRequests.inc({ key: key.name, route, result });
      }
    };
    try {
      const authenticated = this.authenticate(request);
      key = authenticated.key;
      source = key.source === 'SERVER' ? 'server' : 'client';
      const answer = await this.handle(request, authenticated.batch, key, source);
      count(answer.quotaLimited ? 'rate_limited' : 'accepted');
      return answer;
    } catch (error) {
      count(requestResultOf(error));
      throw error;
    }
  }

  private authenticate({ route, batch }: SdkRequest): { batch: SdkBatch; key: SdkKey } {
    if (batch === null) {
      throw ingestErrors.sdkBodyUnreadable();
    }
    const key = this.keys.resolve(batch.key);
    if (key === null) {
      this.logger.warn({ msg: 'SDK request refused: missing or unknown key', route, keyGiven: batch.key !== null });
      throw ingestErrors.sdkKeyInvalid();
    }
    return { batch, key };
  }

  private async handle(
    { route, clientNetwork, quotaLimitedAnswer }: SdkRequest,
    batch: SdkBatch,
    key: SdkKey,
    source: IngestSource,
  ): Promise<SdkAnswer> {
    let headers: Record<string, string>;
    try {
      headers = await this.ingest.checkRateLimits(
        `sdk:${key.name}`,
        this.keyLimit,
        key.source === 'CLIENT' ? clientNetwork : null,
      );
    } catch (error) {
      if (quotaLimitedAnswer && error instanceof ApiError && error.status === 429) {
        this.metrics.events.inc({ result: 'rate_limited', source, route }, batch.items.length);
        return { quotaLimited: true, headers: error.headers };
      }
      throw error;
    }
    const events = this.mapEvents(batch, key, source, route);
    if (events.length > 0) {
      await this.ingest.store(events, route);
    }
    return { quotaLimited: false, headers };
  }

  private mapEvents(batch: SdkBatch, key: SdkKey, source: IngestSource, route: SdkRoute): CanonicalEvent[] {
    const eventSource = key.source === 'SERVER' ? EventSource.Server : EventSource.Client;
    const allowlist = this.policy.current().allowlist;
    const allowed = eventSource === EventSource.Server ? () => true : (eventName: string) => allowlist.has(eventName);
    const receivedAt = new Date().toISOString();
    const events: CanonicalEvent[] = [];
    const skipped: Record<SkipReason, number> = { invalid: 0, not_allowed: 0 };
    const notAllowedNames = new Set<string>();
    let firstProblem: string | undefined;
    for (const item of batch.items) {
      const mapping = isObject(item)
        ? toSdkCanonicalEvent(batch.draftOf(item), eventSource, allowed, receivedAt)
        : { skipped: 'invalid' as const, reason: 'an event must be a JSON object' };
      if ('event' in mapping) {
        events.push(mapping.event);
        continue;
      }
      skipped[mapping.skipped] += 1;
      if (mapping.skipped === 'not_allowed') {
        notAllowedNames.add(mapping.reason);
      } else {
        firstProblem ??= mapping.reason;
      }
    }
    for (const result of ['invalid', 'not_allowed'] as const) {
      if (skipped[result] > 0) {
        this.metrics.events.inc({ result, source, route }, skipped[result]);
      }
    }
    if (notAllowedNames.size > 0) {
      this.rejections.record(IngestRejectionReason.NotAllowed, `sdk:${key.name}`, [...notAllowedNames]);
    }
    if (skipped.invalid + skipped.not_allowed > 0) {
      this.logger.warn({
        msg: 'SDK events skipped',
        route,
        key: key.name,
        invalid: skipped.invalid,
        notAllowed: skipped.not_allowed,
        notAllowedEventNames: [...notAllowedNames].slice(0, LOGGED_NAMES),
        firstProblem,
      });
    }
    return events;
  }
}
