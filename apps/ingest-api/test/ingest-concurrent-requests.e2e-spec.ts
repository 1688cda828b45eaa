import request from 'supertest';
import { clientEventInputs } from '@app/testing';
import { IngestHarness, startIngest } from './ingest-api.harness';

describe('ingest-api under concurrent requests (group commit)', () => {
  let harness: IngestHarness;

  beforeAll(async () => {
    harness = await startIngest('ingest_concurrent');
  });

  afterAll(async () => {
    await harness.close();
  });

  function post(anonymousId: string, events: unknown[]) {
    return request(harness.ingest.url).post('/api/v1/analytics/events').send({ anonymousId, events });
  }

  it('counts each event id once across concurrent requests that share ids', async () => {
    const shared = clientEventInputs(5);
    const batches = Array.from({ length: 40 }, () => [...shared, ...clientEventInputs(5)]);
    const answers = await Promise.all(batches.map((events, i) => post(`anon-${i}`, events)));
    expect(answers.every((answer) => answer.status === 202)).toBe(true);
    const accepted = answers.reduce((sum, a) => sum + a.body.data.acceptedCount - a.body.data.duplicateCount, 0);
    const [{ count }] = await harness.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM user_activity_source_outbox',
    );
    expect(accepted).toBe(5 + 40 * 5);
    expect(count).toBe(accepted);
  });

  it('a request the database refuses fails alone: the others are committed, it writes nothing', async () => {
    await harness.db.query(`
      CREATE FUNCTION refuse_tab_changed() RETURNS trigger AS $$
      BEGIN
        IF NEW.event_name = 'ui.tab.changed' THEN RAISE EXCEPTION 'refused for the test'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await harness.db.query(`CREATE TRIGGER refuse_tab_changed BEFORE INSERT ON user_activity_source_outbox
      FOR EACH ROW EXECUTE FUNCTION refuse_tab_changed()`);
    try {
      const good = Array.from({ length: 30 }, () => clientEventInputs(3));
      const bad = [...clientEventInputs(2), ...clientEventInputs(1, { eventName: 'ui.tab.changed' })];
      const answers = await Promise.all([...good.map((events, i) => post(`g-${i}`, events)), post('bad', bad)]);
      expect(answers.slice(0, 30).map((answer) => answer.status)).toEqual(Array(30).fill(202));
      expect(answers[30].status).toBe(503);
      expect(answers[30].body.code).toBe('ANALYTICS_INGEST_UNAVAILABLE');
      const stored = await harness.db.query<{ event_id: string }>('SELECT event_id FROM user_activity_source_outbox');
      const ids = new Set(stored.map((row) => row.event_id));
      expect(good.flat().every((event) => ids.has(event.eventId))).toBe(true);
      expect(bad.some((event) => ids.has(event.eventId))).toBe(false);
    } finally {
      await harness.db.query('DROP TRIGGER refuse_tab_changed ON user_activity_source_outbox');
    }
  });
});
