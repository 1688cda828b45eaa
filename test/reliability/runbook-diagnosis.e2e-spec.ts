import { randomUUID } from 'node:crypto';
import { USER_ACTIVITY_EXCHANGE } from '@app/messaging';
import { PipelineProcesses, sleep, waitFor } from '@app/testing';
import { startPipeline, stopPipeline } from './reliability.harness';

interface Finding {
  matrixRow: number;
  stage: string;
  symptom: string;
  evidence: Record<string, number | string | null>;
  action: string;
  next: string[];
}

interface Diagnosis {
  window: { from: string; to: string };
  findings: Finding[];
  path: { question: string; answer: string; evidence: Record<string, unknown> }[];
}

/** Requests one caller may send a minute here, so that a 429 flood takes a few dozen requests. */
const CALLER_LIMIT = 20;
const NOT_AGREED = 'ui.not.agreed';

/**
 * Runbook §2: each row of the failure matrix created for real with the five apps as processes, one test per row on
 * one pipeline, and found by `GET /api/v1/admin/user-activity/diagnosis`. Each test reads its own window (since it
 * began) with fresh events and puts the pipeline back, also when it fails, so any one can run alone with `-t`.
 */
describe('runbook §2–§3: the diagnosis names the row of the failure matrix the pipeline is in', () => {
  let pipeline: PipelineProcesses;

  beforeAll(async () => {
    pipeline = await startPipeline({
      label: 'rel_diagnosis',
      // Five processes at once, and several restarts: generous on a busy machine.
      readyTimeoutMs: 60_000,
      throughProxy: { broker: ['outbox-relay'] },
      appEnv: {
        // Past the relay's publish timeout (MQ_PUBLISH_TIMEOUT PT2S), so a row being published is not stuck.
        'admin-api': { DIAGNOSIS_PENDING_STALE_AFTER: 'PT4S' },
        'ingest-api': { ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS: String(CALLER_LIMIT) },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await stopPipeline(pipeline);
  });

  async function post(eventName: string, anonymousId = randomUUID()): Promise<{ status: number; eventId: string }> {
    const eventId = randomUUID();
    const response = await fetch(`${pipeline.app('ingest-api').url}/api/v1/analytics/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ anonymousId, events: [{ eventId, eventName, properties: { path: '/' } }] }),
    });
    await response.arrayBuffer();
    return { status: response.status, eventId };
  }

  /** Accepted events, one request each; their ids are UUIDs, which PostHog receives as they are. */
  async function send(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { status, eventId } = await post('ui.page.viewed');
      expect(status).toBe(202);
      ids.push(eventId);
    }
    return ids;
  }

  async function delivered(ids: string[]): Promise<void> {
    await waitFor(
      'the events to reach PostHog',
      () => {
        const uuids = pipeline.posthog.deliveredUuidCounts();
        return ids.filter((id) => uuids.has(id)).length;
      },
      (count) => count === ids.length,
      60_000,
      100,
    );
  }

  async function diagnose(query: string): Promise<Diagnosis> {
    const response = await fetch(`${pipeline.app('admin-api').url}/api/v1/admin/user-activity/diagnosis?${query}`, {
      headers: { Authorization: `Bearer ${pipeline.credentials.adminToken}` },
    });
    const body = (await response.json()) as { data: Diagnosis };
    expect(response.status).toBe(200);
    return body.data;
  }

  /**
   * The window from `startedAt` to now. The shortest window is a second: until one has passed, wait rather than
   * reach back into the scenario before.
   */
  async function since(startedAt: number): Promise<string> {
    await sleep(startedAt + 1_000 - Date.now());
    // A timer may fire a millisecond early by the wall clock; the window must still be a whole second.
    return `since=PT${(Math.max(1_000, Date.now() - startedAt) / 1000).toFixed(3)}S`;
  }

  /** Polls the window since `startedAt` until it names `row` (with evidence satisfying `settled`, if given). */
  async function diagnosisShowing(
    row: number,
    startedAt: number,
    settled: (evidence: Finding['evidence']) => boolean = () => true,
  ): Promise<Diagnosis> {
    return waitFor(
      `the diagnosis to name matrix row ${row}`,
      async () => diagnose(await since(startedAt)),
      (diagnosis) => diagnosis.findings.some((finding) => finding.matrixRow === row && settled(finding.evidence)),
      30_000,
      250,
    );
  }

  const rowsOf = (diagnosis: Diagnosis) => diagnosis.findings.map((finding) => finding.matrixRow);

  it('finds nothing while events flow end to end', async () => {
    const startedAt = Date.now();
    await delivered(await send(10));
    const healthy = await diagnose(await since(startedAt));
    expect(healthy.findings).toEqual([]);
    expect(healthy.path.every((step) => step.answer === 'no')).toBe(true);
  });

  it('row 1: MQ_PROVIDER=none on the relay, rows stay PENDING', async () => {
    const startedAt = Date.now();
    await pipeline.app('outbox-relay').restart('SIGTERM', { MQ_PROVIDER: 'none' });
    let unpublished: string[] = [];
    try {
      unpublished = await send(3);
      const none = await diagnosisShowing(1, startedAt);
      expect(none.findings[0]).toMatchObject({
        matrixRow: 1,
        stage: 'SOURCE_OUTBOX',
        symptom: '도메인 기능은 정상인데 이벤트가 안 쌓임',
        action: 'outbox 상태 확인 후 수동 replay',
        evidence: { pendingCount: 3, publishedInWindow: 0 },
      });
      expect(none.findings[0].next).toContain('POST /api/v1/admin/user-activity/outbox/replay?limit=100');
      expect(rowsOf(await diagnose(`eventId=${unpublished[0]}`))).toEqual([1]);
    } finally {
      await pipeline.app('outbox-relay').restart();
    }
    await delivered(unpublished);
  });

  it('row 2: the relay cut off from RabbitMQ, publishes fail and rows go FAILED', async () => {
    const startedAt = Date.now();
    pipeline.brokerProxy.cut();
    try {
      const failing = await send(3);
      const cut = await diagnosisShowing(2, startedAt);
      expect(cut.findings[0]).toMatchObject({ matrixRow: 2, stage: 'MQ_PUBLISH', action: 'MQ 복구 후 replay' });
      expect(cut.findings[0].evidence.publishFailuresInWindow).toBeGreaterThan(0);
      expect(cut.path[1]).toMatchObject({ question: 'FAILED/PENDING 증가?', answer: 'yes' });
      const failed = await waitFor(
        'the first event’s row to have failed',
        () => diagnose(`eventId=${failing[0]}`),
        (diagnosis) => rowsOf(diagnosis).includes(2),
        30_000,
        250,
      );
      expect(failed.findings).toEqual([
        expect.objectContaining({ matrixRow: 2, evidence: expect.objectContaining({ status: 'FAILED' }) }),
      ]);
      pipeline.brokerProxy.restore();
      await delivered(failing);
    } finally {
      pipeline.brokerProxy.restore();
    }
  });

  it("row 3: the event store's consumer stopped, messages wait in the queue", async () => {
    const startedAt = Date.now();
    const consumer = pipeline.app('event-store-consumer');
    await consumer.kill('SIGTERM');
    try {
      const unconsumed = await send(3);
      const stopped = await diagnosisShowing(3, startedAt, (evidence) => evidence.publishedInWindow === 3);
      expect(rowsOf(stopped)).toEqual([3]);
      expect(stopped.findings[0]).toMatchObject({
        stage: 'MQ_CONSUME',
        action: 'consumer 재기동, subscription 확인',
        evidence: { consumers: 0, publishedInWindow: 3 },
      });
      await consumer.start();
      await delivered(unconsumed);
    } finally {
      if (!consumer.running) {
        await consumer.start();
      }
    }
  });

  it('row 4: poison messages on the exchange, dead-lettered by the consumer', async () => {
    const startedAt = Date.now();
    const { connection } = await pipeline.vhost.connect();
    try {
      const confirm = await connection.createConfirmChannel();
      for (const body of ['{"eventId": "half', 'null', '[]']) {
        confirm.publish(USER_ACTIVITY_EXCHANGE, 'ui.page.viewed', Buffer.from(body), { messageId: randomUUID() });
      }
      await confirm.waitForConfirms();
    } finally {
      await connection.close();
    }
    const poisoned = await diagnosisShowing(4, startedAt, (evidence) => evidence.consumeFailuresInWindow === 3);
    expect(rowsOf(poisoned)).toEqual([4]);
    expect(poisoned.findings[0]).toMatchObject({ stage: 'STORE', action: '실패 원인 수정 후 재처리' });
    expect(poisoned.path[2]).toMatchObject({ question: 'consume fail 존재?', answer: 'yes' });
  });

  it('row 5: PostHog failing, events stored and their dispatch rows waiting', async () => {
    const startedAt = Date.now();
    pipeline.posthog.respondWith({ status: 503 });
    try {
      const undelivered = await send(3);
      const posthogDown = await diagnosisShowing(5, startedAt);
      expect(rowsOf(posthogDown)).toEqual([5]);
      expect(posthogDown.findings[0]).toMatchObject({
        stage: 'DISPATCH',
        action: 'PostHog 장애 복구까지 내부 저장 우선',
      });
      expect(posthogDown.findings[0].evidence.dispatchFailedRetrying).toBeGreaterThan(0);
      pipeline.posthog.recover();
      await delivered(undelivered);
    } finally {
      pipeline.posthog.recover();
    }
  });

  it('row 6: one caller over its rate limit', async () => {
    const startedAt = Date.now();
    const caller = randomUUID();
    // Fixed windows: a flood that spans a window's end starts over, so count the 429s rather than assume them.
    let rateLimited = 0;
    for (let i = 0; i < 4 * CALLER_LIMIT && rateLimited < CALLER_LIMIT; i++) {
      rateLimited += (await post('ui.page.viewed', caller)).status === 429 ? 1 : 0;
    }
    expect(rateLimited).toBe(CALLER_LIMIT);
    // ingest-api adds its counts to the shared table every second: wait for all of them.
    const flooded = await diagnosisShowing(6, startedAt, (evidence) => evidence.rateLimitedRequests === CALLER_LIMIT);
    expect(flooded.findings[0]).toMatchObject({
      matrixRow: 6,
      stage: 'INGEST_RATE_LIMIT',
      action: '임시 상향 + 트래픽 패턴 점검',
    });
  });

  it('row 7: a name nobody agreed on, sent again and again', async () => {
    const startedAt = Date.now();
    for (let i = 0; i < 15; i++) {
      expect((await post(NOT_AGREED)).status).toBe(400);
    }
    const refused = await diagnosisShowing(7, startedAt, (evidence) => evidence.notAllowedRequests === 15);
    const notAllowed = refused.findings.find((finding) => finding.matrixRow === 7);
    expect(notAllowed).toMatchObject({
      stage: 'INGEST_ALLOWLIST',
      action: '이벤트명 합의 후 allowlist 반영',
      evidence: { notAllowedRequests: 15 },
    });
    // The 429s of a moment ago may share its 10-second bucket: then they come first, being further upstream.
    expect(rowsOf(refused).filter((row) => row !== 6)).toEqual([7]);
    expect(rowsOf(refused)[rowsOf(refused).length - 1]).toBe(7);
  });
});
