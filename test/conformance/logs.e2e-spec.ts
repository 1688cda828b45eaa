import { sign } from 'jsonwebtoken';
import request from 'supertest';
import { clientEventInputs, waitFor } from '@app/testing';
import {
  ADMIN_TOKEN,
  APP_NAMES,
  ConformancePipeline,
  JWT_SECRET,
  SERVICE_TOKEN,
  startConformancePipeline,
} from './conformance.harness';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const WRONG_SECRET = 'wrong-secret-that-must-not-be-logged';

describe('log lines of every app: JSON with the contract fields, never a credential', () => {
  let pipeline: ConformancePipeline;
  const memberToken = sign({ sub: '4242' }, JWT_SECRET, { algorithm: 'HS256', expiresIn: '1h' });
  const secrets = [ADMIN_TOKEN, SERVICE_TOKEN, JWT_SECRET, memberToken, WRONG_SECRET];

  const refuseInserts = async (table: string) => {
    await pipeline.db.query(`
      CREATE OR REPLACE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'inserts refused (logs test)'; END $$`);
    await pipeline.db.query(
      `CREATE TRIGGER refuse_insert BEFORE INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION refuse_insert()`,
    );
    return () => pipeline.db.query(`DROP TRIGGER refuse_insert ON ${table}`);
  };

  beforeAll(async () => {
    pipeline = await startConformancePipeline('logs');
    const ingest = pipeline.apps['ingest-api'].url;
    const admin = pipeline.apps['admin-api'].url;
    const publicPost = (authorization: string) =>
      request(ingest).post('/api/v1/analytics/events').set('Authorization', authorization);
    const [member, anonymous, refused] = clientEventInputs(3);

    await publicPost(`Bearer ${memberToken}`)
      .send({ events: [member] })
      .expect(202);
    await publicPost(`Bearer ${WRONG_SECRET}`)
      .send({ anonymousId: 'anon-logs', events: [anonymous] })
      .expect(202);
    await publicPost(`Bearer ${memberToken}`).send({ events: [] }).expect(400);
    await publicPost(`Bearer ${memberToken}`).set('Content-Type', 'application/json').send('{"events": [').expect(400);
    await request(ingest)
      .post('/api/v1/internal/user-activity/events')
      .set('Authorization', `Bearer ${WRONG_SECRET}`)
      .send({ events: [{ eventName: 'review.created' }] })
      .expect(401);
    await request(ingest)
      .post('/api/v1/internal/user-activity/events')
      .set('Authorization', `Bearer ${SERVICE_TOKEN}`)
      .send({ events: [{ eventName: 'review.created', memberId: 7 }] })
      .expect(202);
    const allowOutbox = await refuseInserts('user_activity_source_outbox');
    await publicPost(`Bearer ${memberToken}`)
      .send({ events: [refused] })
      .expect(503);
    await allowOutbox();

    await request(admin)
      .get('/api/v1/admin/user-activity/outbox/summary')
      .set('Authorization', `Bearer ${WRONG_SECRET}`)
      .expect(401);
    await pipeline.admin('get', '/user-activity/outbox/summary').expect(200);
    await pipeline.admin('get', '/mq-traces?limit=abc').expect(400);
    await pipeline.admin('post', '/user-activity/outbox/replay?limit=5').expect(200);
    const allowAudit = await refuseInserts('admin_audit_log');
    await pipeline.admin('post', '/user-activity/outbox/replay?limit=5').expect(500);
    await allowAudit();

    await waitFor(
      'the accepted events stored',
      () => pipeline.db.query(`SELECT 1 FROM user_activity_event`),
      (rows) => rows.length === 3,
    );
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  it('writes each line as a JSON object with time, level, app, context and msg', () => {
    const lines = pipeline.logs.lines;
    expect(lines.length).toBeGreaterThan(20);
    const malformed = lines.filter(
      (line) =>
        typeof line.time !== 'string' ||
        !ISO_TIME.test(line.time) ||
        !LEVELS.includes(line.level) ||
        !(APP_NAMES as readonly string[]).includes(line.app ?? '') ||
        typeof line.context !== 'string' ||
        line.context === '' ||
        typeof line.msg !== 'string' ||
        line.msg === '',
    );
    expect(malformed).toEqual([]);
    expect(lines.some((line) => line.msg === 'unhandled error' && line.level === 'error')).toBe(true);
    expect(lines.some((line) => line.msg === 'admin request refused')).toBe(true);
  });

  it('never logs an Authorization header, a token or a secret, whether the request succeeded or failed', () => {
    const leaks = pipeline.logs.lines
      .map((line) => JSON.stringify(line))
      .filter((text) => /authorization/i.test(text) || secrets.some((secret) => text.includes(secret)));
    expect(leaks).toEqual([]);
  });

  it('audits admin calls by token name, never by the token', async () => {
    const rows = await pipeline.db.query<{ token_name: string }>(`SELECT * FROM admin_audit_log`);
    expect(rows.map((row) => row.token_name)).toEqual(['ops']);
    const text = JSON.stringify(rows);
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
  });
});
