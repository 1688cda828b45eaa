import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, IngestConfig } from '@app/config';
import { CanonicalEvent, EventSource } from '@app/entities';
import { invalidRequest } from '@app/http';
import { IngestMetrics, LogSignals, signalLog } from '@app/metrics';
import { RateLimiter, rateLimitHeaders } from '../rate-limit/rate-limiter';
import { Caller, toCanonicalEvent } from './canonical-event.builder';
import { ClientIngestRequestDto, IngestResultDto, ServerIngestRequestDto } from './ingest-request.dto';
import { ingestErrors } from './ingest.errors';
import { OutboxWriter } from './outbox-writer';

export interface IngestAnswer {
  result: IngestResultDto;
  headers: Record<string, string>;
}

/** DESIGN §3: the checks after field validation, in order, then the request's events committed all together. */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);
  private readonly allowlist: ReadonlySet<string>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    private readonly outbox: OutboxWriter,
    private readonly rateLimiter: RateLimiter,
    private readonly metrics: IngestMetrics,
  ) {
    this.allowlist = new Set(config.ANALYTICS_INGEST_ALLOWLIST);
  }

  async ingestClientEvents(
    request: ClientIngestRequestDto,
    memberId: number | null,
    headerAnonymousId: string | undefined,
  ): Promise<IngestAnswer> {
    const anonymousId = request.anonymousId ?? this.headerAnonymousId(headerAnonymousId);
    this.checkBatchSize(request.events.length);
    if (memberId === null && anonymousId === null) {
      throw ingestErrors.anonymousIdRequired();
    }
    const decision = await this.rateLimiter.hit(memberId !== null ? `member:${memberId}` : `anonymous:${anonymousId}`);
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) {
      throw ingestErrors.rateLimitExceeded({ ...headers, 'Retry-After': String(decision.resetSeconds) });
    }
    const notAllowed = [...new Set(request.events.map((e) => e.eventName).filter((name) => !this.allowlist.has(name)))];
    if (notAllowed.length > 0) {
      throw ingestErrors.eventNotAllowed(notAllowed);
    }
    const caller: Caller = { source: EventSource.Client, memberId, anonymousId };
    return { result: await this.store(request.events.map((e) => toCanonicalEvent(e, caller, this.now()))), headers };
  }

  async ingestServerEvents(request: ServerIngestRequestDto): Promise<IngestAnswer> {
    this.checkBatchSize(request.events.length);
    const caller: Caller = { source: EventSource.Server, memberId: null, anonymousId: request.anonymousId ?? null };
    return {
      result: await this.store(request.events.map((e) => toCanonicalEvent(e, caller, this.now()))),
      headers: {},
    };
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

  private serialize(events: CanonicalEvent[]): string[] {
    return events.map((event) => {
      try {
        return JSON.stringify(event);
      } catch (error) {
        this.metrics.outboxEnqueue.inc({ result: 'fail' }, events.length);
        this.logger.error(
          signalLog(LogSignals.outboxSerializeFailed, { eventId: event.eventId, error: String(error) }),
        );
        throw invalidRequest([{ field: 'events', reason: 'an event could not be serialized' }]);
      }
    });
  }

  private async store(events: CanonicalEvent[]): Promise<IngestResultDto> {
    const payloads = this.serialize(events);
    let inserted: number;
    try {
      inserted = await this.outbox.write(events, payloads);
    } catch (error) {
      this.metrics.outboxEnqueue.inc({ result: 'fail' }, events.length);
      this.logger.error({ msg: 'source outbox insert failed', error: (error as Error).message, events: events.length });
      throw ingestErrors.unavailable();
    }
    const duplicates = events.length - inserted;
    this.metrics.outboxEnqueue.inc({ result: 'inserted' }, inserted);
    this.metrics.events.inc({ result: 'accepted' }, inserted);
    if (duplicates > 0) {
      this.metrics.outboxEnqueue.inc({ result: 'duplicate' }, duplicates);
      this.metrics.events.inc({ result: 'duplicate' }, duplicates);
    }
    return { acceptedCount: events.length, duplicateCount: duplicates };
  }
}
