import request from 'supertest';
import { BootedApp, clientEventInputs, waitFor } from '@app/testing';
import { APP_NAMES, ConformancePipeline, sourceStatuses, startConformancePipeline } from './conformance.harness';

const status = async (app: BootedApp, path: '/health/live' | '/health/ready') =>
  (await request(app.url).get(path)).status;

describe('liveness and readiness of the five apps', () => {
  let pipeline: ConformancePipeline;

  beforeAll(async () => {
    pipeline = await startConformancePipeline('readiness', {
      brokerThroughProxy: ['outbox-relay', 'event-store-consumer'],
    });
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  it('answers 200 on /health/live and /health/ready of every app once it is up', async () => {
    for (const name of APP_NAMES) {
      const app = pipeline.apps[name];
      expect({ name, live: await status(app, '/health/live'), ready: await status(app, '/health/ready') }).toEqual({
        name,
        live: 200,
        ready: 200,
      });
    }
  });

  it('takes the relay and the consumer out of rotation while RabbitMQ is cut off, without failing liveness', async () => {
    const { brokerProxy, apps } = pipeline;
    brokerProxy.cut();
    for (const name of ['outbox-relay', 'event-store-consumer'] as const) {
      const ready = await waitFor(
        `${name} not ready`,
        () => request(apps[name].url).get('/health/ready'),
        (response) => response.status === 503,
      );
      expect(ready.body.details.error.broker).toEqual({ status: 'down' });
    }
    for (const name of APP_NAMES) {
      expect({ name, live: await status(apps[name], '/health/live') }).toEqual({ name, live: 200 });
    }
    for (const name of ['ingest-api', 'dispatcher', 'admin-api'] as const) {
      expect({ name, ready: await status(apps[name], '/health/ready') }).toEqual({ name, ready: 200 });
    }

    brokerProxy.restore();
    for (const name of ['outbox-relay', 'event-store-consumer'] as const) {
      await waitFor(
        `${name} ready again`,
        () => status(apps[name], '/health/ready'),
        (code) => code === 200,
      );
    }
  });

  it('turns the relay not ready as soon as shutdown begins, while it finishes the batch in hand', async () => {
    // Holds the relay inside its batch transaction: the UPDATE that marks rows PUBLISHED sleeps.
    await pipeline.db.query(`
      CREATE FUNCTION slow_outbox_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$`);
    await pipeline.db.query(`
      CREATE TRIGGER slow_outbox_update AFTER UPDATE ON user_activity_source_outbox
      FOR EACH STATEMENT EXECUTE FUNCTION slow_outbox_update()`);
    const relay = pipeline.apps['outbox-relay'];
    await pipeline.ingest('anon-shutdown', clientEventInputs(3)).expect(202);
    await waitFor(
      'the relay inside its batch',
      () =>
        pipeline.db.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`,
        ),
      (rows) => rows.length === 1,
      10_000,
      20,
    );

    const closing = relay.close();
    const refused = await waitFor(
      'readiness to go false',
      () => request(relay.url).get('/health/ready'),
      (response) => response.status === 503,
      5_000,
      20,
    );
    expect(refused.body.details.error).toEqual({ accepting: { status: 'down' } });
    expect(await status(relay, '/health/live')).toBe(200);
    expect(await sourceStatuses(pipeline.db)).toEqual({ PENDING: 3 });

    await closing;
    expect(await sourceStatuses(pipeline.db)).toEqual({ PUBLISHED: 3 });
    expect(await pipeline.db.query(`SELECT 1 FROM user_activity_source_outbox FOR UPDATE SKIP LOCKED`)).toHaveLength(3);
    await pipeline.db.query(`DROP TRIGGER slow_outbox_update ON user_activity_source_outbox`);
  });
});
