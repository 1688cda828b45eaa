import { randomBytes } from 'node:crypto';
import amqplib, { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { Pool } from 'pg';
// Only the topology constants: the reference uses the event-store queue exactly as declared, and nothing of the apps.
import { assertTopology, EVENT_STORE_QUEUE, USER_ACTIVITY_EXCHANGE } from '../libs/messaging/src/topology';
import { createTestDatabase } from '../libs/testing/src/test-database';
import { createTestVhost } from '../libs/testing/src/test-vhost';

/** The apps' defaults: events per ingest request, relay claim, consumer prefetch and store batch. */
const EVENTS_PER_REQUEST = 50;
const RELAY_BATCH = 500;
const PREFETCH = 500;
const STORE_BATCH = 500;
const STORE_WAIT_MS = 20;
/** Inserts in flight at once (ingest-api serves many requests at a time) and claims in flight (as the relay). */
const INGEST_WORKERS = 4;
const RELAY_WORKERS = 2;
/** Events allowed between ingest and the store; ingest waits above it, so the run measures the slowest stage. */
const MAX_IN_FLIGHT = 10_000;
const IDLE_MS = 5;

export interface BareFigure {
  /** Events stored per second over the window. */
  eventsPerSecond: number;
  seconds: number;
  /** Rows in user_activity_event at the end, counted; equals the events the reference saw stored. */
  storedRows: number;
  /** CPU the reference's single process used per stored event over the window. */
  cpuPerEventUs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A canonical event as ingest-api writes it to the source outbox. */
function canonicalEvent(eventId: string, index: number): string {
  const now = new Date().toISOString();
  return JSON.stringify({
    eventId,
    eventName: 'ui.restaurant.clicked',
    eventVersion: 'v1',
    occurredAt: now,
    memberId: null,
    anonymousId: `visitor-${index % 20_000}`,
    source: 'CLIENT',
    properties: {
      path: `/restaurants/${index % 5_000}`,
      referrer: 'search',
      position: index % 50,
      experiment: 'list-v2',
    },
    receivedAt: now,
  });
}

/**
 * The pipeline's work with `pg` and `amqplib` and nothing else, in one process: multi-row inserts into the source
 * outbox → `FOR UPDATE SKIP LOCKED` claims → publish with pipelined confirms → consume with prefetch → one statement
 * storing the events (`ON CONFLICT DO NOTHING`) and their dispatch outbox rows → one multiple-ack per batch.
 */
class BarePipeline {
  ingested = 0;
  stored = 0;
  private running = true;
  private loops: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;
  private readonly deliveries: ConsumeMessage[] = [];
  private onFullBatch: (() => void) | null = null;
  private readonly prefix = `bare-${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly pool: Pool,
    private readonly publisher: ConfirmChannel,
    private readonly consumer: Channel,
  ) {}

  async start(): Promise<void> {
    await assertTopology(this.publisher);
    await this.consumer.prefetch(PREFETCH);
    await this.consumer.consume(EVENT_STORE_QUEUE, (message) => {
      if (message !== null) {
        this.deliveries.push(message);
        if (this.deliveries.length >= STORE_BATCH) {
          this.onFullBatch?.();
        }
      }
    });
    this.loops = Promise.all([
      ...Array.from({ length: INGEST_WORKERS }, (_, worker) => this.ingest(worker)),
      ...Array.from({ length: RELAY_WORKERS }, () => this.relay()),
      this.store(),
    ]).catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error('a loop of the bare pipeline failed', { cause: error });
      this.running = false;
    });
  }

  /** Ends every loop after its current step; throws what made a loop fail, if one did. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loops;
    if (this.failure !== null) {
      throw this.failure;
    }
  }

  private async ingest(worker: number): Promise<void> {
    for (let request = 0; this.running; request++) {
      if (this.ingested - this.stored >= MAX_IN_FLIGHT) {
        await sleep(IDLE_MS);
        continue;
      }
      const ids = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => `${this.prefix}-${worker}-${request}-${i}`);
      const now = new Date();
      await this.pool.query(
        `INSERT INTO user_activity_source_outbox (event_id, event_name, event_version, occurred_at, member_id, payload)
         SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::bigint[], $6::jsonb[])
         ON CONFLICT (event_id) DO NOTHING`,
        [
          ids,
          ids.map(() => 'ui.restaurant.clicked'),
          ids.map(() => 'v1'),
          ids.map(() => now),
          ids.map(() => null),
          ids.map((id, i) => canonicalEvent(id, request + i)),
        ],
      );
      this.ingested += ids.length;
    }
  }

  private async relay(): Promise<void> {
    const client = await this.pool.connect();
    try {
      while (this.running) {
        await client.query('BEGIN');
        await client.query('SET LOCAL enable_bitmapscan = off');
        const { rows } = await client.query<{ id: string; event_id: string; event_name: string; body: string }>(
          `SELECT id, event_id, event_name, payload::text AS body FROM user_activity_source_outbox
           WHERE status = 'PENDING' ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [RELAY_BATCH],
        );
        await Promise.all(rows.map((row) => this.publish(row.event_name, row.event_id, row.body)));
        await client.query(
          `UPDATE user_activity_source_outbox SET status = 'PUBLISHED', published_at = now(), updated_at = now()
           WHERE id = ANY($1::bigint[])`,
          [rows.map((row) => row.id)],
        );
        await client.query('COMMIT');
        if (rows.length === 0) {
          await sleep(IDLE_MS);
        }
      }
    } finally {
      client.release();
    }
  }

  private publish(eventName: string, eventId: string, body: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.publisher.publish(
        USER_ACTIVITY_EXCHANGE,
        eventName,
        Buffer.from(body),
        { persistent: true, mandatory: true, contentType: 'application/json', messageId: eventId },
        (error: Error | null) => (error ? reject(error) : resolve()),
      );
    });
  }

  private async store(): Promise<void> {
    while (this.running) {
      if (this.deliveries.length === 0) {
        await sleep(IDLE_MS);
        continue;
      }
      if (this.deliveries.length < STORE_BATCH) {
        await this.fullBatchOr(STORE_WAIT_MS);
      }
      const batch = this.deliveries.splice(0, STORE_BATCH);
      const events = batch.map(
        (message) => JSON.parse(message.content.toString('utf8')) as Record<string, string | null>,
      );
      // One statement is one transaction: the events and the dispatch rows of the newly stored ones commit together.
      const { rowCount } = await this.pool.query(
        `WITH e AS (
           SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[], $5::timestamptz[],
                                $6::varchar[], $7::varchar[], $8::jsonb[], $9::jsonb[])
             AS e(event_id, event_name, event_version, occurred_at, received_at, anonymous_id, source, properties, payload)
         ), stored AS (
           INSERT INTO user_activity_event
             (event_id, event_name, event_version, occurred_at, received_at, anonymous_id, source, properties)
           SELECT event_id, event_name, event_version, occurred_at, received_at, anonymous_id, source, properties FROM e
           ON CONFLICT (event_id) DO NOTHING
           RETURNING event_id
         )
         INSERT INTO user_activity_dispatch_outbox (event_id, dispatch_target, payload)
         SELECT e.event_id, 'POSTHOG', e.payload FROM e JOIN stored USING (event_id)
         ON CONFLICT (event_id, dispatch_target) DO NOTHING`,
        [
          events.map((event) => event.eventId),
          events.map((event) => event.eventName),
          events.map((event) => event.eventVersion),
          events.map((event) => event.occurredAt),
          events.map((event) => event.receivedAt),
          events.map((event) => event.anonymousId),
          events.map((event) => event.source),
          events.map((event) => JSON.stringify(event.properties)),
          batch.map((message) => message.content.toString('utf8')),
        ],
      );
      this.consumer.ack(batch[batch.length - 1], true);
      this.stored += rowCount ?? 0;
    }
  }

  /** Resolves once a whole batch is waiting, or after `ms`. */
  private fullBatchOr(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.onFullBatch = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.onFullBatch = done;
    });
  }
}

/**
 * Runs the bare pipeline against its own database and vhost for a warm-up plus `seconds` and returns the rate at
 * which it stored events: with ingest held back once MAX_IN_FLIGHT events are under way, that is the rate of its
 * slowest stage, the most one process can sustain.
 */
export async function measureBarePipeline(warmupSeconds: number, seconds: number): Promise<BareFigure> {
  const db = await createTestDatabase('bench_bare');
  const vhost = await createTestVhost('bench_bare');
  let connection: ChannelModel | null = null;
  const pool = new Pool({ connectionString: db.url, max: INGEST_WORKERS + RELAY_WORKERS + 1 });
  try {
    connection = await amqplib.connect(vhost.url);
    const bare = new BarePipeline(pool, await connection.createConfirmChannel(), await connection.createChannel());
    await bare.start();
    let result: BareFigure;
    try {
      await sleep(warmupSeconds * 1000);
      const storedBefore = bare.stored;
      const cpuBefore = process.cpuUsage();
      const startedAt = performance.now();
      await sleep(seconds * 1000);
      const stored = bare.stored - storedBefore;
      const elapsed = (performance.now() - startedAt) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      result = {
        eventsPerSecond: stored / elapsed,
        seconds: elapsed,
        storedRows: 0,
        cpuPerEventUs: stored > 0 ? (cpu.user + cpu.system) / stored : Number.NaN,
      };
    } finally {
      await bare.stop();
    }
    const [{ rows }] = await db.query<{ rows: string }>('SELECT count(*) AS rows FROM user_activity_event');
    result.storedRows = Number(rows);
    if (result.storedRows !== bare.stored) {
      throw new Error(`the bare pipeline counted ${bare.stored} events stored but the table holds ${rows} rows`);
    }
    return result;
  } finally {
    await connection?.close().catch(() => undefined);
    await pool.end();
    await db.drop();
    await vhost.drop();
  }
}
