import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { CanonicalEvent, EventSource, IngestRejectionReason } from '@app/entities';
import { invalidRequest } from '@app/http';
import { IngestMetrics, IngestRoute, LogSignals, signalLog } from '@app/observability';
import { IngestConfig } from '../ingest-api.config';
import { IngestRejections } from '../policy/ingest-rejections.recorder';
import { LiveIngestPolicy } from '../policy/live-ingest-policy.service';
import { RateLimitDecision, RateLimiter, rateLimitHeaders, RateLimitPolicy } from '../rate-limit/rate-limiter.service';
import { Caller, toCanonicalEvent } from './canonical-event.builder';
import { ClientIngestRequestDto, IngestResultDto, ServerIngestRequestDto } from './ingest-request.dto';
import { ingestErrors } from './ingest.errors';
import { IngestOutcomes } from './ingest-outcomes.recorder';
import { OutboxWriter } from './outbox.writer';

export interface IngestAnswer {
  result: IngestResultDto;
  headers: Record<string, string>;
}

/** DESIGN §3: the checks after field validation, in order, then the request's events committed all together. */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    private readonly outbox: OutboxWriter,
    private readonly rateLimiter: RateLimiter,
    private readonly metrics: IngestMetrics,
    private readonly outcomes: IngestOutcomes,
    private readonly policy: LiveIngestPolicy,
    private readonly rejections: IngestRejections,
  ) {}

  /** The live policy (runbook §9): changed through admin-api, applied by every replica within seconds. */
  private get allowlist(): ReadonlySet<string> {
    return this.policy.current().allowlist;
  }

  private get callerLimit(): RateLimitPolicy {
    return this.policy.current().callerLimit;
  }

  private get networkLimit(): RateLimitPolicy {
    return this.policy.current().networkLimit;
  }

  async ingestClientEvents(
    request: ClientIngestRequestDto,
    memberId: number | null,
    headerAnonymousId: string | undefined,
    clientNetwork: string,
  ): Promise<IngestAnswer> {
    const anonymousId = request.anonymousId ?? this.headerAnonymousId(headerAnonymousId);
    this.checkBatchSize(request.events.length);
    if (memberId === null && anonymousId === null) {
      throw ingestErrors.anonymousIdRequired();
    }
    const callerKey = memberId !== null ? `member:${memberId}` : `anonymous:${anonymousId}`;
    const eventNames = request.events.map((e) => e.eventName);
    const headers = await this.checkRateLimits(callerKey, this.callerLimit, clientNetwork, eventNames);
    const notAllowed = [...new Set(eventNames.filter((name) => !this.allowlist.has(name)))];
    if (notAllowed.length > 0) {
      this.rejections.record(IngestRejectionReason.NotAllowed, callerKey, notAllowed);
      throw ingestErrors.eventNotAllowed(notAllowed);
    }
    const caller: Caller = { source: EventSource.Client, memberId, anonymousId };
    return {
      result: await this.store(
        request.events.map((e) => toCanonicalEvent(e, caller, this.now())),
        'native',
      ),
      headers,
    };
  }

  async ingestServerEvents(request: ServerIngestRequestDto): Promise<IngestAnswer> {
    this.checkBatchSize(request.events.length);
    const caller: Caller = { source: EventSource.Server, memberId: null, anonymousId: request.anonymousId ?? null };
    return {
      result: await this.store(
        request.events.map((e) => toCanonicalEvent(e, caller, this.now())),
        'native',
      ),
      headers: {},
    };
  }

  /**
   * The network's limit first (unless `networkKey` is null), so a client that changes its anonymous id on every
   * request is stopped there and leaves no caller key behind; the headers describe whichever limit is closer. A
   * policy of 0 requests is off. Throws the 429 (or a 503 when the store fails); a refusal is recorded under the key
   * that was refused, with the request's event names.
   */
  async checkRateLimits(
    callerKey: string,
    callerLimit: RateLimitPolicy,
    networkKey: string | null,
    eventNames: readonly string[] = [],
  ): Promise<Record<string, string>> {
    const decisions: RateLimitDecision[] = [];
    const keys: string[] = [];
    if (networkKey !== null && this.networkLimit.maxRequests > 0) {
      decisions.push(await this.hit(networkKey, this.networkLimit));
      keys.push(networkKey);
    }
    if (callerLimit.maxRequests > 0 && decisions.every((decision) => decision.allowed)) {
      decisions.push(await this.hit(callerKey, callerLimit));
      keys.push(callerKey);
    }
    if (decisions.length === 0) {
      return {};
    }
    const refusedAt = decisions.findIndex((decision) => !decision.allowed);
    if (refusedAt >= 0) {
      const refused = decisions[refusedAt];
      this.rejections.record(IngestRejectionReason.RateLimited, keys[refusedAt], eventNames);
      throw ingestErrors.rateLimitExceeded({
        ...rateLimitHeaders(refused),
        'Retry-After': String(refused.resetSeconds),
      });
    }
    const closest = decisions.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    return rateLimitHeaders(closest);
  }

  /** The PostgreSQL store can fail or stall like the outbox: 503 then, within the commit deadline, never a 500. */
  private async hit(key: string, policy: RateLimitPolicy): Promise<RateLimitDecision> {
    const timeoutMs = this.config.INGEST_COMMIT_TIMEOUT;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`rate limit store did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.rateLimiter.hit(key, policy), deadline]);
    } catch (error) {
      this.logger.error({ msg: 'rate limit store failed', error: (error as Error).message });
      throw ingestErrors.unavailable();
    } finally {
      clearTimeout(timer);
    }
  }

  private now(): string {
    return new Date().toISOString();
  }

  private headerAnonymousId(value: string | undefined): string | null {
    if (value === undefined || value.trim() === '') {
      return null;
    }
    if (value.length > 100) {
      throw invalidRequest([{ field: 'X-Anonymous-Id', reason: 'must be at most 100 characters' }]);
    }
    return value;
  }

  private checkBatchSize(count: number): void {
    if (count > this.config.ANALYTICS_INGEST_MAX_BATCH_SIZE) {
      throw ingestErrors.batchLimitExceeded(this.config.ANALYTICS_INGEST_MAX_BATCH_SIZE, count);
    }
  }

  private serialize(events: CanonicalEvent[], route: IngestRoute): string[] {
    return events.map((event) => {
      try {
        return JSON.stringify(event);
      } catch (error) {
        this.metrics.outboxEnqueue.inc({ result: 'fail' }, events.length);
        this.logger.error(
          signalLog(LogSignals.outboxSerializeFailed, { eventId: event.eventId, error: String(error), route }),
        );
        throw invalidRequest([{ field: 'events', reason: 'an event could not be serialized' }]);
      }
    });
  }

  /**
   * Commits the events in one statement (shared with other requests, see OutboxWriter) and counts them; a failed
   * commit is the 503 ANALYTICS_INGEST_UNAVAILABLE. `duplicateCount` counts the ids already known.
   */
  async store(events: CanonicalEvent[], route: IngestRoute): Promise<IngestResultDto> {
    const payloads = this.serialize(events, route);
    let inserted: number;
    try {
      inserted = await this.outbox.write(events, payloads);
    } catch (error) {
      this.metrics.outboxEnqueue.inc({ result: 'fail' }, events.length);
      this.logger.error({
        msg: 'source outbox insert failed',
        error: (error as Error).message,
        events: events.length,
        route,
      });
      throw ingestErrors.unavailable();
    }
    const duplicates = events.length - inserted;
    // One request's events share their source (the endpoint, or the SDK key's kind).
    const source = events[0].source === EventSource.Server ? 'server' : 'client';
    this.metrics.outboxEnqueue.inc({ result: 'inserted' }, inserted);
    this.metrics.events.inc({ result: 'accepted', source, route }, inserted);
    this.outcomes.eventsAdded(inserted);
    if (duplicates > 0) {
      this.metrics.outboxEnqueue.inc({ result: 'duplicate' }, duplicates);
      this.metrics.events.inc({ result: 'duplicate', source, route }, duplicates);
    }
    return { acceptedCount: events.length, duplicateCount: duplicates };
  }
}
