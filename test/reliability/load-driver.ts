import { randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { PipelineProcesses, sleep } from '@app/testing';

export interface LoadOptions {
  requestsPerSecond: number;
  /** Requests of one kind waiting for an answer at once; a tick with this many in flight sends nothing. */
  maxInFlight?: number;
  maxEventsPerRequest?: number;
}

interface Batch {
  path: string;
  headers: Record<string, string>;
  body: string;
  eventIds: string[];
}

const CLIENT_PATH = '/api/v1/analytics/events';
const SERVER_PATH = '/api/v1/internal/user-activity/events';
const CLIENT_EVENT_NAMES = ['ui.page.viewed', 'ui.restaurant.clicked', 'ui.search.executed', 'ui.tab.changed'];
const SERVER_EVENT_NAMES = ['review.created', 'group.joined'];
const RETRY_DELAY_MS = 200;
const KEPT_FOR_RESENDING = 200;

/** A property value every client event carries, to check that text arrives at PostHog exactly as it was sent. */
export const PROPERTY_TEXT = '한글 ✓ "quoted" \\ back\u2028 <script>\' OR 1=1 --';

/**
 * Steady traffic into ingest-api as real clients send it: anonymous and member client events and service events,
 * each request retried with the same event ids until it is answered 2xx (a client's idempotent retry), and now
 * and then an accepted request sent again on purpose. Counts what the pipeline promised to keep.
 */
export class LoadDriver {
  /** Σ(acceptedCount − duplicateCount) over every 2xx answer. */
  accepted = 0;
  /** Every event id of a request answered 2xx, with when it was first answered (epoch ms). */
  readonly acceptedAt = new Map<string, number>();
  requests = 0;
  /** Attempts that were not answered 2xx (5xx, 429, connection refused or reset) and were sent again. */
  retried = 0;
  /** Accepted requests sent a second time on purpose; each must come back as all duplicates. */
  resent = 0;
  /** Answers that the client cannot fix by retrying (4xx other than 429); a healthy run has none. */
  readonly refused: string[] = [];
  /** Requests still not answered 2xx when stop's deadline passed. */
  abandoned = 0;
  get acceptedIds(): Set<string> {
    return new Set(this.acceptedAt.keys());
  }

  private readonly inFlight = new Set<Promise<void>>();
  private readonly sentBatches: Batch[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private giveUpAt = Number.POSITIVE_INFINITY;
  private tick = 0;

  constructor(
    private readonly pipeline: PipelineProcesses,
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    const intervalMs = Math.max(1, Math.round(1000 / this.options.requestsPerSecond));
    this.timer = setInterval(() => this.send(), intervalMs);
  }

  /** Sends `events` more events at once (in requests of 50), for a backlog; resolves when all are accepted. */
  async burst(events: number): Promise<void> {
    const sends: Promise<void>[] = [];
    for (let sent = 0; sent < events; sent += 50) {
      sends.push(this.deliver(this.serverBatch(Math.min(50, events - sent))));
    }
    await Promise.all(sends);
  }

  /** Stops sending new requests and waits until every request in flight is answered 2xx, or `timeoutMs` passed. */
  async stop(timeoutMs = 60_000): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    this.stopping = true;
    this.giveUpAt = Date.now() + timeoutMs;
    while (this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
    }
  }

  private send(): void {
    if (this.inFlight.size >= (this.options.maxInFlight ?? 16)) {
      return;
    }
    this.tick += 1;
    const kind = this.tick % 10;
    let batch: Batch;
    if (kind === 9 && this.sentBatches.length > 0) {
      batch = this.sentBatches[Math.floor(Math.random() * this.sentBatches.length)];
      this.resent += 1;
    } else if (kind < 5) {
      batch = this.clientBatch(false);
    } else if (kind < 7) {
      batch = this.clientBatch(true);
    } else {
      batch = this.serverBatch(this.eventCount());
    }
    void this.deliver(batch);
  }

  private eventCount(): number {
    return 1 + Math.floor(Math.random() * (this.options.maxEventsPerRequest ?? 10));
  }

  private clientBatch(member: boolean): Batch {
    const events = Array.from({ length: this.eventCount() }, (_, index) => ({
      eventId: randomUUID(),
      eventName: CLIENT_EVENT_NAMES[index % CLIENT_EVENT_NAMES.length],
      occurredAt: new Date().toISOString(),
      properties: { path: `/restaurants/${index}`, note: PROPERTY_TEXT },
    }));
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (member) {
      const memberId = 1 + Math.floor(Math.random() * 500);
      headers.Authorization = `Bearer ${sign({ sub: String(memberId) }, this.pipeline.credentials.jwtSecret, { expiresIn: '1h' })}`;
    } else {
      headers['X-Anonymous-Id'] = `anon-${Math.floor(Math.random() * 500)}`;
    }
    return {
      path: CLIENT_PATH,
      headers,
      body: JSON.stringify({ events }),
      eventIds: events.map((event) => event.eventId),
    };
  }

  private serverBatch(count: number): Batch {
    const events = Array.from({ length: count }, (_, index) => ({
      eventId: randomUUID(),
      eventName: SERVER_EVENT_NAMES[index % SERVER_EVENT_NAMES.length],
      memberId: 1 + index,
      properties: { reviewId: index },
    }));
    return {
      path: SERVER_PATH,
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${this.pipeline.credentials.serviceToken}`,
      },
      body: JSON.stringify({ events }),
      eventIds: events.map((event) => event.eventId),
    };
  }

  private deliver(batch: Batch): Promise<void> {
    const attempt = this.attemptUntilAccepted(batch).finally(() => this.inFlight.delete(attempt));
    this.inFlight.add(attempt);
    return attempt;
  }

  /** One ingest-api replica after the other, so a restarting replica only costs a retry. */
  private ingestUrl(attempt: number): string {
    const replicas = this.pipeline.replicas('ingest-api');
    return replicas[(this.requests + attempt) % replicas.length].url;
  }

  private async attemptUntilAccepted(batch: Batch): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopping && Date.now() > this.giveUpAt) {
        this.abandoned += 1;
        return;
      }
      this.requests += 1;
      let status = 0;
      let text = '';
      try {
        const response = await fetch(`${this.ingestUrl(attempt)}${batch.path}`, {
          method: 'POST',
          headers: batch.headers,
          body: batch.body,
          signal: AbortSignal.timeout(30_000),
        });
        status = response.status;
        text = await response.text();
      } catch {
        status = 0;
      }
      if (status >= 200 && status < 300) {
        const { data } = JSON.parse(text) as { data: { acceptedCount: number; duplicateCount: number } };
        this.accepted += data.acceptedCount - data.duplicateCount;
        const now = Date.now();
        batch.eventIds.forEach((id) => this.acceptedAt.set(id, this.acceptedAt.get(id) ?? now));
        if (this.sentBatches.length < KEPT_FOR_RESENDING) {
          this.sentBatches.push(batch);
        }
        return;
      }
      if (status >= 400 && status < 500 && status !== 429) {
        this.refused.push(`${status} ${text}`);
        return;
      }
      this.retried += 1;
      await sleep(RETRY_DELAY_MS);
    }
  }
}
