import { connect } from 'amqplib';
import request from 'supertest';
import { EVENT_STORE_QUEUE } from '@app/messaging';
import { AdminHarness, startAdmin } from './admin-api.harness';

const DIAGNOSIS = '/api/v1/admin/user-activity/diagnosis';
const RECOVERY = '/api/v1/admin/user-activity/recovery-check';
const REPORT = '/api/v1/admin/user-activity/incident-report';

describe('the diagnosis endpoints’ parameters: a 400 naming the field, never a 500', () => {
  let harness: AdminHarness;

  beforeAll(async () => {
    harness = await startAdmin('admin_diagnosis_params');
  });

  afterAll(async () => {
    await harness.close();
  });

  it.each([
    [`${DIAGNOSIS}?since=abc`, 'since', 'since must be an ISO-8601 duration from PT1S to P7D (e.g. PT15M)'],
    [`${DIAGNOSIS}?since=PT0S`, 'since', 'since must be an ISO-8601 duration from PT1S to P7D (e.g. PT15M)'],
    [`${DIAGNOSIS}?since=P8D`, 'since', 'since must be an ISO-8601 duration from PT1S to P7D (e.g. PT15M)'],
    [`${DIAGNOSIS}?since=15`, 'since', 'since must be an ISO-8601 duration from PT1S to P7D (e.g. PT15M)'],
    [`${DIAGNOSIS}?since=PT1M&since=PT2M`, 'since', 'since must be a string'],
    [`${DIAGNOSIS}?eventId=${'e'.repeat(65)}`, 'eventId', 'eventId must be shorter than or equal to 64 characters'],
    [`${DIAGNOSIS}?eventId=e-1&since=PT5M`, 'since', 'since applies to a window; leave it out with eventId'],
    [`${DIAGNOSIS}?window=PT5M`, 'window', 'property window should not exist'],
    [`${RECOVERY}?since=PT30S`, 'since', 'since must be an ISO-8601 duration from PT1M to P3D (e.g. PT30M)'],
    [REPORT, 'from', 'from is required'],
    [
      `${REPORT}?from=2026-02-20T10:00:00`,
      'from',
      'from must be an ISO-8601 instant with a time zone (e.g. 2026-02-20T10:00:00Z)',
    ],
    [
      `${REPORT}?from=yesterday`,
      'from',
      'from must be an ISO-8601 instant with a time zone (e.g. 2026-02-20T10:00:00Z)',
    ],
    [`${REPORT}?from=2026-02-20T10:00:00Z&to=2026-02-20T09:00:00Z`, 'to', 'to must be after from'],
    [`${REPORT}?from=2026-02-01T00:00:00Z&to=2026-02-20T00:00:00Z`, 'to', 'to must be at most P7D after from'],
  ])('GET %s → 400 INVALID_REQUEST on %s', async (path, field, reason) => {
    const response = await harness.get(path);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ success: false, code: 'INVALID_REQUEST' });
    expect(response.body.errors).toEqual([expect.objectContaining({ field, reason })]);
  });

  it('answers 404 for an event no table knows, and 401 without a token', async () => {
    const unknown = await harness.get(`${DIAGNOSIS}?eventId=never-seen`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
    for (const path of [DIAGNOSIS, RECOVERY, `${REPORT}?from=2026-02-20T10:00:00Z`]) {
      expect((await request(harness.admin.url).get(path)).status).toBe(401);
    }
  });

  it('diagnoses an idle pipeline with a consumer as healthy, and a queue nobody consumes as row 3', async () => {
    const alone = await harness.get(DIAGNOSIS);
    expect(alone.status).toBe(200);
    expect(alone.body.data.findings).toEqual([
      expect.objectContaining({
        matrixRow: 3,
        stage: 'MQ_CONSUME',
        evidence: expect.objectContaining({ consumers: 0 }),
      }),
    ]);

    const connection = await connect(harness.vhost.url);
    try {
      const channel = await connection.createChannel();
      await channel.consume(EVENT_STORE_QUEUE, () => undefined);
      const response = await harness.get(DIAGNOSIS);
      const { window, findings, path } = response.body.data;
      expect(findings).toEqual([]);
      expect(Date.parse(window.to) - Date.parse(window.from)).toBe(15 * 60_000);
      expect(path.map((step: { answer: string }) => step.answer)).toEqual(['no', 'no', 'no', 'no', 'no']);
      expect(path[3].evidence).toMatchObject({ consumers: 1, queueDepth: 0 });
      const blank = await harness.get(`${DIAGNOSIS}?since=`);
      expect(Date.parse(blank.body.data.window.to) - Date.parse(blank.body.data.window.from)).toBe(15 * 60_000);
      const hour = await harness.get(`${DIAGNOSIS}?since=PT1H`);
      expect(Date.parse(hour.body.data.window.to) - Date.parse(hour.body.data.window.from)).toBe(60 * 60_000);
    } finally {
      await connection.close();
    }
  });
});
