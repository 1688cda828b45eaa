import type { TestDatabase } from './test-database';

/** Anything that runs SQL and answers rows: a `TestDatabase`, or a wrapper of a transaction's client. */
export type SeedTarget = Pick<TestDatabase, 'query'>;

type Cell = string | number | Date | null | undefined;

/**
 * One multi-row INSERT of `rows` into `table`, returning the new ids in row order. A cell left undefined is written
 * as DEFAULT, so a seed that names fewer columns leaves the others exactly as an INSERT that omits them would.
 */
async function insertRows(
  db: SeedTarget,
  table: string,
  columns: string[],
  rows: Cell[][],
  returning: string | null = 'id',
): Promise<string[]> {
  if (rows.length === 0) {
    return [];
  }
  const parameters: Cell[] = [];
  const values = rows.map(
    (row) =>
      `(${row
        .map((cell) => {
          if (cell === undefined) {
            return 'DEFAULT';
          }
          parameters.push(cell);
          return `$${parameters.length}`;
        })
        .join(', ')})`,
  );
  const result = await db.query<{ id: string }>(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}` +
      (returning === null ? '' : ` RETURNING ${returning}::text AS id`),
    parameters,
  );
  return result.map((row) => row.id);
}

function json(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

/** A `user_activity_source_outbox` row; what is left out takes the column's default (PENDING, no retry yet). */
export interface SourceOutboxSeed {
  eventId: string;
  eventName?: string;
  eventVersion?: string;
  occurredAt?: Date | string;
  memberId?: string | number | null;
  /** Stored as JSON; `{}` when left out. */
  payload?: unknown;
  status?: 'PENDING' | 'FAILED' | 'PUBLISHED';
  retryCount?: number;
  nextRetryAt?: Date | null;
  lastError?: string | null;
  publishedAt?: Date | null;
}

/** Inserts source outbox rows as a service sharing the database, or an earlier relay, left them; returns their ids. */
export function seedSourceOutbox(db: SeedTarget, rows: SourceOutboxSeed[]): Promise<string[]> {
  return insertRows(
    db,
    'user_activity_source_outbox',
    [
      'event_id',
      'event_name',
      'event_version',
      'occurred_at',
      'member_id',
      'payload',
      'status',
      'retry_count',
      'next_retry_at',
      'last_error',
      'published_at',
    ],
    rows.map((row) => [
      row.eventId,
      row.eventName ?? 'ui.page.viewed',
      row.eventVersion ?? 'v1',
      row.occurredAt ?? new Date(),
      row.memberId,
      json(row.payload ?? {}),
      row.status,
      row.retryCount,
      row.nextRetryAt,
      row.lastError,
      row.publishedAt,
    ]),
  );
}

/** A `user_activity_dispatch_outbox` row; what is left out takes the column's default (PENDING, no retry yet). */
export interface DispatchOutboxSeed {
  eventId: string;
  /** `POSTHOG` when left out. */
  target?: string;
  /** Stored as JSON; `{}` when left out. */
  payload?: unknown;
  status?: 'PENDING' | 'FAILED' | 'DISPATCHED';
  retryCount?: number;
  nextRetryAt?: Date | null;
  lastError?: string | null;
  dispatchedAt?: Date | null;
}

/** Inserts dispatch outbox rows as the event store's enqueue, or an earlier dispatcher, left them; returns their ids. */
export function seedDispatchOutbox(db: SeedTarget, rows: DispatchOutboxSeed[]): Promise<string[]> {
  return insertRows(
    db,
    'user_activity_dispatch_outbox',
    ['event_id', 'dispatch_target', 'payload', 'status', 'retry_count', 'next_retry_at', 'last_error', 'dispatched_at'],
    rows.map((row) => [
      row.eventId,
      row.target ?? 'POSTHOG',
      json(row.payload ?? {}),
      row.status,
      row.retryCount,
      row.nextRetryAt,
      row.lastError,
      row.dispatchedAt,
    ]),
  );
}

/** A `message_queue_trace_log` row; `createdAt` defaults to the time of the insert. */
export interface MqTraceSeed {
  messageId: string;
  stage: 'PUBLISH' | 'PUBLISH_FAIL' | 'CONSUME_SUCCESS' | 'CONSUME_FAIL' | 'DEAD_LETTER';
  topic?: string;
  provider?: string;
  messageKey?: string | null;
  consumerGroup?: string | null;
  processingMillis?: number | null;
  errorMessage?: string | null;
  createdAt?: Date;
}

/** Inserts MQ trace rows; returns their ids. */
export function seedMqTraces(db: SeedTarget, rows: MqTraceSeed[]): Promise<string[]> {
  return insertRows(
    db,
    'message_queue_trace_log',
    [
      'message_id',
      'topic',
      'provider',
      'message_key',
      'consumer_group',
      'stage',
      'processing_millis',
      'error_message',
      'created_at',
    ],
    rows.map((row) => [
      row.messageId,
      row.topic ?? 'domain.user.activity',
      row.provider ?? 'rabbitmq',
      row.messageKey,
      row.consumerGroup,
      row.stage,
      row.processingMillis,
      row.errorMessage,
      row.createdAt,
    ]),
  );
}

/** A counting window of `ingest_rate_limit_window`. */
export interface RateLimitWindowSeed {
  rateKey: string;
  windowStart: Date;
  requestCount: number;
}

/** Inserts rate-limit windows as replicas counting requests left them. */
export async function seedRateLimitWindows(db: SeedTarget, rows: RateLimitWindowSeed[]): Promise<void> {
  await insertRows(
    db,
    'ingest_rate_limit_window',
    ['rate_key', 'window_start', 'request_count'],
    rows.map((row) => [row.rateKey, row.windowStart, row.requestCount]),
    null,
  );
}

/** A bucket of `ingest_request_outcome`, as ingest-api replicas flushed it. */
export interface IngestOutcomeSeed {
  bucketStart: Date;
  result: string;
  requestCount: number;
  eventCount: number;
}

/** Inserts request-outcome buckets. */
export async function seedIngestOutcomes(db: SeedTarget, rows: IngestOutcomeSeed[]): Promise<void> {
  await insertRows(
    db,
    'ingest_request_outcome',
    ['bucket_start', 'result', 'request_count', 'event_count'],
    rows.map((row) => [row.bucketStart, row.result, row.requestCount, row.eventCount]),
    null,
  );
}
