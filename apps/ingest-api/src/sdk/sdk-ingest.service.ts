import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, IngestConfig, SdkKey } from '@app/config';
import { CanonicalEvent, EventSource } from '@app/entities';
import { ApiError } from '@app/http';
import { IngestMetrics } from '@app/metrics';
import { RateLimitPolicy } from '../rate-limit/rate-limiter';
import { IngestOutcomes } from '../events/ingest-outcomes';
import { ingestErrors } from '../events/ingest.errors';
import { IngestService } from '../events/ingest.service';
import { requestResultOf } from '../events/request-outcome';
import { SdkBatch } from './sdk-batch';
import { SdkKeyResolver } from './sdk-key.resolver';
import { isObject, SkipReason, toSdkCanonicalEvent } from './sdk-event';
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
  private readonly allowlist: ReadonlySet<string>;
  private readonly keyLimit: RateLimitPolicy;

  constructor(
    @Inject(APP_CONFIG) config: IngestConfig,
    private readonly keys: SdkKeyResolver,
    private readonly ingest: IngestService,
    private readonly metrics: IngestMetrics,
    private readonly outcomes: IngestOutcomes,
  ) {
    this.allowlist = new Set(config.ANALYTICS_INGEST_ALLOWLIST);
    this.keyLimit = {
      maxRequests: config.ANALYTICS_INGEST_SDK_RATE_LIMIT_MAX_REQUESTS,
      windowMs: config.ANALYTICS_INGEST_SDK_RATE_LIMIT_WINDOW,
    };
  }

  async ingestBatch(request: SdkRequest): Promise<SdkAnswer> {
    try {
      const answer = await this.handle(request);
      this.outcomes.request(answer.quotaLimited ? 'rate_limited' : 'accepted', request.route);
      return answer;
    } catch (error) {
      this.outcomes.request(requestResultOf(error), request.route);
      throw error;
    }
  }

  private async handle({ route, batch, clientNetwork, quotaLimitedAnswer }: SdkRequest): Promise<SdkAnswer> {
    if (batch === null) {
      throw ingestErrors.sdkBodyUnreadable();
    }
    const key = this.keys.resolve(batch.key);
    if (key === null) {
      this.logger.warn({ msg: 'SDK request refused: missing or unknown key', route, keyGiven: batch.key !== null });
      throw ingestErrors.sdkKeyInvalid();
    }
    let headers: Record<string, string>;
    try {
      headers = await this.ingest.checkRateLimits(
        `sdk:${key.name}`,
        this.keyLimit,
        key.source === 'CLIENT' ? clientNetwork : null,
      );
    } catch (error) {
      if (quotaLimitedAnswer && error instanceof ApiError && error.status === 429) {
        this.metrics.events.inc({ result: 'rate_limited', route }, batch.items.length);
        return { quotaLimited: true, headers: error.headers };
      }
      throw error;
    }
    const events = this.mapEvents(batch, key, route);
    if (events.length > 0) {
      await this.ingest.store(events, route);
    }
    return { quotaLimited: false, headers };
  }

  private mapEvents(batch: SdkBatch, key: SdkKey, route: SdkRoute): CanonicalEvent[] {
    const source = key.source === 'SERVER' ? EventSource.Server : EventSource.Client;
    const allowed = source === EventSource.Server ? () => true : (eventName: string) => this.allowlist.has(eventName);
    const receivedAt = new Date().toISOString();
    const events: CanonicalEvent[] = [];
    const skipped: Record<SkipReason, number> = { invalid: 0, not_allowed: 0 };
    const notAllowedNames = new Set<string>();
    let firstProblem: string | undefined;
    for (const item of batch.items) {
      const mapping = isObject(item)
        ? toSdkCanonicalEvent(batch.draftOf(item), source, allowed, receivedAt)
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
        this.metrics.events.inc({ result, route }, skipped[result]);
      }
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
