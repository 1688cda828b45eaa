import amqplib from 'amqplib';
import { Client } from 'pg';

/** Rows per INSERT statement and messages per confirm wait, as the pipeline batches them. */
const BATCH = 500;
/** Connections inserting at once: commits from several sessions share WAL flushes, as the apps' do. */
const INSERT_CONNECTIONS = 4;
const SCRATCH_TABLE = 'bench_raw_insert';
const SCRATCH_QUEUE = 'bench.raw-publish';

export interface RawLimits {
  postgresInsertRowsPerSecond: number;
  rabbitPublishMessagesPerSecond: number;
}

/** A payload the size and shape of a canonical event. */
function payload(id: string): string {
  return JSON.stringify({
    eventId: id,
    eventName: 'ui.restaurant.clicked',
    eventVersion: 'v1',
    occurredAt: new Date().toISOString(),
    memberId: null,
    anonymousId: 'visitor-1234',
    source: 'CLIENT',
    properties: { path: '/restaurants/1234', referrer: 'search', position: 3, experiment: 'list-v2' },
    receivedAt: new Date().toISOString(),
  });
}

/**
 * PostgreSQL alone: `INSERT … SELECT * FROM unnest(…)` of 500 event-shaped rows per statement (each its own
 * transaction) into a scratch table with a unique event_id, from several connections, for `seconds`.
 */
export async function postgresInsertRate(databaseUrl: string, seconds: number): Promise<number> {
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP TABLE IF EXISTS ${SCRATCH_TABLE}`);
    await admin.query(
      `CREATE TABLE ${SCRATCH_TABLE} (id BIGSERIAL PRIMARY KEY, event_id VARCHAR(64) NOT NULL UNIQUE,
         event_name VARCHAR(100) NOT NULL, occurred_at TIMESTAMPTZ NOT NULL, payload JSONB NOT NULL,
         created_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    );
    const deadline = performance.now() + seconds * 1000;
    const startedAt = performance.now();
    const counts = await Promise.all(
      Array.from({ length: INSERT_CONNECTIONS }, async (_, connection) => {
        const client = new Client({ connectionString: databaseUrl });
        await client.connect();
        let rows = 0;
        try {
          for (let batch = 0; performance.now() < deadline; batch++) {
            const ids = Array.from({ length: BATCH }, (_, index) => `raw-${connection}-${batch}-${index}`);
            await client.query(
              `INSERT INTO ${SCRATCH_TABLE} (event_id, event_name, occurred_at, payload)
               SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::timestamptz[], $4::jsonb[])`,
              [ids, ids.map(() => 'ui.restaurant.clicked'), ids.map(() => new Date()), ids.map(payload)],
            );
            rows += BATCH;
          }
        } finally {
          await client.end();
        }
        return rows;
      }),
    );
    const elapsed = (performance.now() - startedAt) / 1000;
    return counts.reduce((sum, rows) => sum + rows, 0) / elapsed;
  } finally {
    await admin.query(`DROP TABLE IF EXISTS ${SCRATCH_TABLE}`);
    await admin.end();
  }
}

/**
 * RabbitMQ alone: persistent messages to a scratch quorum queue (the type of the event-store queue) on a confirm
 * channel, 500 published back to back and then one wait for their confirms, for `seconds`.
 */
export async function rabbitPublishRate(vhostUrl: string, seconds: number): Promise<number> {
  const connection = await amqplib.connect(vhostUrl);
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(SCRATCH_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    const body = Buffer.from(payload('raw-message'));
    const deadline = performance.now() + seconds * 1000;
    const startedAt = performance.now();
    let messages = 0;
    while (performance.now() < deadline) {
      for (let index = 0; index < BATCH; index++) {
        channel.publish('', SCRATCH_QUEUE, body, {
          persistent: true,
          contentType: 'application/json',
          messageId: `raw-${messages + index}`,
        });
      }
      await channel.waitForConfirms();
      messages += BATCH;
    }
    const rate = messages / ((performance.now() - startedAt) / 1000);
    await channel.deleteQueue(SCRATCH_QUEUE);
    await channel.close();
    return rate;
  } finally {
    await connection.close();
  }
}
