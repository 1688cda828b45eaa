import { AdminHarness, seedSourceOutbox, startAdmin } from './admin-api.harness';

const RECOVERY = '/api/v1/admin/user-activity/recovery-check';
const REPORT = '/api/v1/admin/user-activity/incident-report';

/** Trace rows of one stage, `minutesAgo` before the database's now, as the relay and the consumer write them. */
async function seedTraces(harness: AdminHarness, stage: string, count: number, minutesAgo: number): Promise<void> {
  await harness.db.query(
    `INSERT INTO message_queue_trace_log (message_id, topic, provider, message_key, stage, error_message, created_at)
     SELECT 'm-' || $1 || '-' || $3 || '-' || n, 'domain.user.activity', 'rabbitmq', 'ui.page.viewed', $1,
            CASE WHEN $1 LIKE '%FAIL' THEN 'broker unreachable' END, now() - $3::float8 * interval '1 minute'
     FROM generate_series(1, $2::int) AS n`,
    [stage, count, minutesAgo],
  );
}

async function seedStored(harness: AdminHarness, count: number, minutesAgo: number): Promise<void> {
  await harness.db.query(
    `INSERT INTO user_activity_event (event_id, event_name, event_version, occurred_at, received_at, source, properties)
     SELECT 'stored-' || $2 || '-' || n, 'ui.search.executed', 'v1', now() - $2::float8 * interval '1 minute', now(),
            'CLIENT', '{}'
     FROM generate_series(1, $1::int) AS n`,
    [count, minutesAgo],
  );
}

interface Item {
  item: number;
  pass: boolean | null;
  evidence: Record<string, unknown>;
}

describe('recovery check (§10) and incident report (§11) from the stored traces, rows and audit log', () => {
  let harness: AdminHarness;

  beforeAll(async () => {
    harness = await startAdmin('admin_recovery_report');
    // Before the window: 60 events a minute stored. In its first half a broker outage, in its second recovery.
    await seedTraces(harness, 'CONSUME_SUCCESS', 600, 15);
    await seedTraces(harness, 'PUBLISH_FAIL', 40, 8);
    await seedTraces(harness, 'CONSUME_FAIL', 3, 7);
    await seedTraces(harness, 'CONSUME_SUCCESS', 290, 2);
  });

  afterAll(async () => {
    await harness.close();
  });

  it('fails FAILED-falling while rows wait, passes the rest with their numbers, and passes once they are replayed', async () => {
    const waiting = await seedSourceOutbox(harness.db, 5, { status: 'FAILED', nextRetryInMs: 60_000 });
    const during = await harness.get(`${RECOVERY}?since=PT10M`);
    expect(during.status).toBe(200);
    const items: Item[] = during.body.data.items;
    expect(during.body.data.recovered).toBe(false);
    expect(items.map((item) => [item.item, item.pass])).toEqual([
      [1, false],
      [2, true],
      [3, true],
      [4, true],
      [5, null],
    ]);
    expect(items[0].evidence).toEqual({
      failedCount: 5,
      parkedCount: 0,
      publishFailuresEarlierHalf: 40,
      publishFailuresRecentHalf: 0,
    });
    expect(items[1].evidence).toEqual({ consumeFailuresEarlierHalf: 3, consumeFailuresRecentHalf: 0 });
    expect(items[2].evidence).toEqual({
      storedPerMinuteBefore: 60,
      storedPerMinuteEarlierHalf: 0,
      storedPerMinuteRecentHalf: 58,
    });
    const { window, baselineWindow } = during.body.data;
    expect(Date.parse(window.to) - Date.parse(window.from)).toBe(10 * 60_000);
    expect(baselineWindow.to).toBe(window.from);

    await harness.db.query(
      `UPDATE user_activity_source_outbox SET status = 'PUBLISHED', published_at = now()
                            WHERE event_id = ANY($1)`,
      [waiting.map((event) => event.eventId)],
    );
    const after = await harness.get(`${RECOVERY}?since=PT10M`);
    expect(after.body.data.recovered).toBe(true);
  });

  it('fails the stored-rate item while the recent half is below its level before the window', async () => {
    await seedTraces(harness, 'CONSUME_SUCCESS', 1_000, 25);
    const response = await harness.get(`${RECOVERY}?since=PT20M`);
    // Before [-40, -20): 1000 in 20 minutes; recent half [-10, 0]: 290 in 10 minutes, under 80 % of 50 a minute.
    expect((response.body.data.items as Item[])[2]).toEqual({
      item: 3,
      check: '`user_activity_event` 신규 적재량이 기대치로 회복되는지 확인',
      pass: false,
      evidence: { storedPerMinuteBefore: 50, storedPerMinuteEarlierHalf: 60, storedPerMinuteRecentHalf: 29 },
    });
    expect(response.body.data.recovered).toBe(false);
  });

  it('writes the §11 note in Markdown with the stage, affected names, replays and counts of the window', async () => {
    await seedStored(harness, 7, 3);
    await harness.db.query(
      `INSERT INTO admin_audit_log (token_name, action, parameters, result)
       VALUES ('ops', 'SOURCE_OUTBOX_REPLAY', '{"limit": 100}', '{"processedCount": 40, "successCount": 38, "failedCount": 2}')`,
    );
    await harness.db.query(
      `INSERT INTO ingest_request_outcome (bucket_start, result, request_count, event_count)
       VALUES (to_timestamp(floor(extract(epoch FROM now() - interval '5 minutes') / 10) * 10), 'accepted', 9, 30)`,
    );
    const [{ from, to }] = await harness.db.query<{ from: Date; to: Date }>(
      `SELECT now() - interval '10 minutes' AS "from", now() + interval '1 minute' AS "to"`,
    );
    const response = await harness.get(`${REPORT}?from=${from.toISOString()}&to=${to.toISOString()}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/markdown; charset=utf-8');
    const report = response.text;
    expect(report.startsWith('# 사용자 이벤트 수집 장애 리포트\n')).toBe(true);
    expect(report).toContain(`- 발생 시각: ${from.toISOString()}`);
    expect(report).toContain('- 1차 원인 구간(source outbox / MQ / store / dispatch / ingest): MQ (진단: §2 2행');
    expect(report).toContain('`ui.page.viewed` PUBLISH_FAIL 40건');
    expect(report).toContain('`ui.page.viewed` CONSUME_FAIL 3건');
    expect(report).toContain('`ui.search.executed` 저장 7건');
    expect(report).toContain('`SOURCE_OUTBOX_REPLAY` 1회: 처리 40건, 성공 38건, 실패 2건');
    expect(report).toContain('수집(ingest-api가 source outbox에 새로 적재) 30건');
    // 30 accepted − 7 stored − 0 waiting − 3 dead-lettered.
    expect(report).toContain('저장·대기·DLQ 어디에도 없는 수집 건 20건');
    expect(report).toContain('- 근본 원인: **(작성 필요)**');
  });
});
