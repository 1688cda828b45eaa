import {
  DEFAULT_THRESHOLDS,
  diagnoseEvent,
  diagnoseWindow,
  EventSnapshot,
  Finding,
  PipelineSnapshot,
  upstreamFirst,
} from './diagnosis.walk';
import { FAILURE_MATRIX } from './failure-matrix';

/** A pipeline that is flowing: 100 requests accepted, each event published, consumed, stored and dispatched. */
function healthy(): PipelineSnapshot {
  return {
    ingest: { accepted: 100, rateLimited: 0, notAllowed: 0, invalid: 0, unavailable: 0 },
    traces: { published: 100, publishFailed: 0, consumed: 100, consumeFailed: 0, deadLettered: 0 },
    sourceOutbox: { pending: 0, failed: 0, parked: 0, oldestPendingAgeSeconds: null },
    dispatch: { retrying: 0, parked: 0, dispatchedInWindow: 100, openCircuits: 0 },
    queue: { messageCount: 0, consumerCount: 1 },
    deadLetterQueue: { messageCount: 0, consumerCount: 0 },
  };
}

type Change = (s: PipelineSnapshot) => void;

function snapshot(...changes: Change[]): PipelineSnapshot {
  const s = healthy();
  changes.forEach((change) => change(s));
  return s;
}

const stalePending: Change = (s) => {
  s.sourceOutbox.pending = 12;
  s.sourceOutbox.oldestPendingAgeSeconds = 45;
  s.traces.published = 0;
  s.traces.consumed = 0;
};
const publishFailing: Change = (s) => {
  s.traces.publishFailed = 7;
  s.sourceOutbox.failed = 7;
};
const consumerGone: Change = (s) => {
  s.queue = { messageCount: 40, consumerCount: 0 };
  s.traces.consumed = 0;
};
const poison: Change = (s) => {
  s.traces.consumeFailed = 3;
  s.deadLetterQueue = { messageCount: 3, consumerCount: 0 };
};
const posthogDown: Change = (s) => {
  s.dispatch.retrying = 25;
  s.dispatch.openCircuits = 1;
  s.dispatch.dispatchedInWindow = 0;
};
const rateLimited: Change = (s) => {
  s.ingest.rateLimited = 30;
};
const notAllowed: Change = (s) => {
  s.ingest.notAllowed = 12;
};

const rows = (s: PipelineSnapshot) => diagnoseWindow(s).findings.map((f) => f.matrixRow);

describe('the diagnosis walk over a window', () => {
  it('finds nothing in a healthy pipeline and answers every decision no', () => {
    const diagnosis = diagnoseWindow(healthy());
    expect(diagnosis.findings).toEqual([]);
    expect(diagnosis.path.map((step) => [step.question, step.answer])).toEqual([
      ['ingest API 실패코드/429 증가?', 'no'],
      ['FAILED/PENDING 증가?', 'no'],
      ['consume fail 존재?', 'no'],
      ['구독/consumer group/infra 이상?', 'no'],
      ['dispatch 대상 누락?', 'no'],
    ]);
  });

  it.each([
    [1, 'SOURCE_OUTBOX', stalePending],
    [2, 'MQ_PUBLISH', publishFailing],
    [3, 'MQ_CONSUME', consumerGone],
    [4, 'STORE', poison],
    [5, 'DISPATCH', posthogDown],
    [6, 'INGEST_RATE_LIMIT', rateLimited],
    [7, 'INGEST_ALLOWLIST', notAllowed],
  ] as const)('names matrix row %i (%s) with the runbook’s action and next steps', (row, stage, change) => {
    const [finding, ...others] = diagnoseWindow(snapshot(change)).findings;
    expect(others).toEqual([]);
    expect(finding).toMatchObject({
      matrixRow: row,
      stage,
      symptom: FAILURE_MATRIX[row].symptom,
      action: FAILURE_MATRIX[row].action,
      next: FAILURE_MATRIX[row].next,
    });
  });

  it('carries the numbers each finding rests on', () => {
    const findings = diagnoseWindow(
      snapshot(stalePending, publishFailing, consumerGone, poison, posthogDown, rateLimited, notAllowed),
    ).findings;
    const evidence = Object.fromEntries(findings.map((f) => [f.matrixRow, f.evidence]));
    expect(evidence).toEqual({
      1: { pendingCount: 12, oldestPendingAgeSeconds: 45, publishedInWindow: 0 },
      2: { publishFailuresInWindow: 7, publishedInWindow: 0, failedCount: 7, parkedCount: 0 },
      3: { publishedInWindow: 0, consumedInWindow: 3, queueDepth: 40, consumers: 0 },
      4: { consumeFailuresInWindow: 3, deadLetteredInWindow: 0, consumedInWindow: 0, deadLetterQueueDepth: 3 },
      5: { dispatchFailedRetrying: 25, dispatchParked: 0, openCircuits: 1, dispatchedInWindow: 0, storedInWindow: 0 },
      6: { rateLimitedRequests: 30, requests: 142, share: 0.211 },
      7: { notAllowedRequests: 12, requests: 142, share: 0.085 },
    });
  });

  it('orders several findings from the most upstream stage down', () => {
    expect(rows(snapshot(posthogDown, poison, publishFailing, notAllowed, rateLimited))).toEqual([6, 7, 2, 4, 5]);
    expect(rows(snapshot(consumerGone, stalePending))).toEqual([1, 3]);
  });

  it('sorts any set of findings by stage from ingest down to dispatch', () => {
    const all = diagnoseWindow(
      snapshot(stalePending, publishFailing, consumerGone, poison, posthogDown, rateLimited, notAllowed),
    ).findings;
    const shuffled: Finding[] = [5, 3, 7, 1, 4, 6, 2].map((row) => all.find((f) => f.matrixRow === row)!);
    expect(upstreamFirst(shuffled).map((f) => f.stage)).toEqual([
      'INGEST_RATE_LIMIT',
      'INGEST_ALLOWLIST',
      'SOURCE_OUTBOX',
      'MQ_PUBLISH',
      'MQ_CONSUME',
      'STORE',
      'DISPATCH',
    ]);
  });

  it('gives each decision of the path the numbers it was answered from', () => {
    const evidence = (s: PipelineSnapshot) => diagnoseWindow(s).path.map((step) => step.evidence);
    const waiting: Change = (s) => {
      s.queue = { messageCount: 5, consumerCount: 2 };
      s.deadLetterQueue = { messageCount: 4, consumerCount: 0 };
      s.traces.consumed = 0;
      s.ingest = { ...s.ingest, invalid: 3, unavailable: 4 };
    };
    expect(evidence(snapshot(waiting))).toEqual([
      { accepted: 100, rateLimited: 0, notAllowed: 0, invalid: 3, unavailable: 4 },
      { pendingCount: 0, failedCount: 0, oldestPendingAgeSeconds: null, publishFailuresInWindow: 0 },
      { consumeFailuresInWindow: 0, consumedInWindow: 0, deadLetterQueueDepth: 4 },
      { consumers: 2, queueDepth: 5, publishedInWindow: 100 },
      { storedInWindow: 0, dispatchedInWindow: 100, dispatchFailedRetrying: 0, openCircuits: 0 },
    ]);
    expect(diagnoseWindow(snapshot(waiting)).findings[0].evidence).toEqual({
      publishedInWindow: 100,
      consumedInWindow: 0,
      queueDepth: 5,
      consumers: 2,
    });
    const unasked = snapshot(waiting, (s) => {
      s.queue = null;
      s.deadLetterQueue = null;
    });
    expect(evidence(unasked).slice(2, 4)).toEqual([
      { consumeFailuresInWindow: 0, consumedInWindow: 0, deadLetterQueueDepth: null },
      { consumers: null, queueDepth: null, publishedInWindow: 100 },
    ]);
    expect(diagnoseWindow(unasked).findings[0].evidence).toMatchObject({ queueDepth: null, consumers: null });
  });

  it('counts every answered request in the share of a refusal surge', () => {
    const finding = diagnoseWindow(
      snapshot(rateLimited, (s) => (s.ingest = { ...s.ingest, invalid: 3, unavailable: 4 })),
    ).findings[0];
    expect(finding.evidence).toEqual({ rateLimitedRequests: 30, requests: 137, share: 0.219 });
  });

  it('walks the flowchart to the branch the findings show', () => {
    const path = (s: PipelineSnapshot) => diagnoseWindow(s).path.map((step) => `${step.question} ${step.answer}`);
    expect(path(snapshot(publishFailing))).toEqual([
      'ingest API 실패코드/429 증가? no',
      'FAILED/PENDING 증가? yes',
      'consume fail 존재? no',
      '구독/consumer group/infra 이상? no',
      'dispatch 대상 누락? no',
    ]);
    expect(path(snapshot(poison, rateLimited))).toEqual([
      'ingest API 실패코드/429 증가? yes',
      'FAILED/PENDING 증가? no',
      'consume fail 존재? yes',
      'dispatch 대상 누락? no',
    ]);
    expect(path(snapshot(consumerGone, posthogDown)).slice(3)).toEqual([
      '구독/consumer group/infra 이상? yes',
      'dispatch 대상 누락? yes',
    ]);
    expect(diagnoseWindow(snapshot(rateLimited)).path[0].evidence).toEqual({
      accepted: 100,
      rateLimited: 30,
      notAllowed: 0,
      invalid: 0,
      unavailable: 0,
    });
  });

  it('calls PENDING rows stuck only from the stale age on', () => {
    const pendingFor = (age: number) =>
      snapshot((s) => (s.sourceOutbox = { ...s.sourceOutbox, pending: 3, oldestPendingAgeSeconds: age }));
    expect(rows(pendingFor(DEFAULT_THRESHOLDS.pendingStaleSeconds - 0.1))).toEqual([]);
    expect(rows(pendingFor(DEFAULT_THRESHOLDS.pendingStaleSeconds))).toEqual([1]);
    expect(diagnoseWindow(pendingFor(5), { ...DEFAULT_THRESHOLDS, pendingStaleSeconds: 5 }).findings).toHaveLength(1);
  });

  it('sees a missing consumer from the traces when the broker cannot be asked, but not a queue being drained', () => {
    const unasked = (change: Change) => snapshot((s) => (s.queue = null), change);
    expect(rows(unasked((s) => (s.traces.consumed = 0)))).toEqual([3]);
    expect(rows(unasked(() => undefined))).toEqual([]);
    expect(
      rows(
        snapshot(
          (s) => (s.traces.consumed = 0),
          (s) => (s.queue = { messageCount: 0, consumerCount: 1 }),
        ),
      ),
    ).toEqual([]);
    expect(
      rows(
        snapshot(
          (s) => (s.traces.consumed = 0),
          (s) => (s.queue = { messageCount: 5, consumerCount: 1 }),
        ),
      ),
    ).toEqual([3]);
    expect(
      rows(
        snapshot(
          (s) => (s.traces.consumed = 0),
          (s) => (s.traces.consumeFailed = 2),
        ),
      ),
    ).toEqual([4]);
    expect(rows(snapshot((s) => (s.traces = { ...s.traces, published: 0, consumed: 0 })))).toEqual([]);
  });

  it('reports dispatch trouble from retrying rows or an open breaker, not from parked rows alone', () => {
    expect(rows(snapshot((s) => (s.dispatch.retrying = 1)))).toEqual([5]);
    expect(rows(snapshot((s) => (s.dispatch.openCircuits = 1)))).toEqual([5]);
    expect(rows(snapshot((s) => (s.dispatch.parked = 4)))).toEqual([]);
    expect(rows(snapshot((s) => (s.sourceOutbox.failed = 4)))).toEqual([]);
  });

  it('calls a refusal surge only past both its share and the noise floor', () => {
    const refusing = (rateLimitedCount: number, notAllowedCount: number, accepted: number) =>
      snapshot(
        (s) => (s.ingest = { ...s.ingest, accepted, rateLimited: rateLimitedCount, notAllowed: notAllowedCount }),
      );
    expect(rows(refusing(9, 9, 0))).toEqual([]);
    expect(rows(refusing(10, 10, 0))).toEqual([6, 7]);
    // 5 % and 1 % of every request, as the alerts have it: at the share exactly is no surge.
    expect(rows(refusing(10, 0, 190))).toEqual([]);
    expect(rows(refusing(11, 0, 189))).toEqual([6]);
    expect(rows(refusing(0, 10, 990))).toEqual([]);
    expect(rows(refusing(0, 11, 989))).toEqual([7]);
    expect(diagnoseWindow(refusing(0, 0, 0)).findings).toEqual([]);
  });
});

const NOW = '2026-02-20T10:10:00.000Z';
const ago = (seconds: number) => new Date(Date.parse(NOW) - seconds * 1000).toISOString();

function journey(overrides: Partial<EventSnapshot>): EventSnapshot {
  return {
    source: 'CLIENT',
    outbox: { status: 'PUBLISHED', retryCount: 0, nextRetryAt: null, lastError: null, createdAt: ago(60) },
    traces: [
      { stage: 'PUBLISH', createdAt: ago(59), errorMessage: null },
      { stage: 'CONSUME_SUCCESS', createdAt: ago(58), errorMessage: null },
    ],
    stored: { storedAt: ago(58) },
    dispatches: [{ target: 'POSTHOG', status: 'DISPATCHED', retryCount: 0, lastError: null, createdAt: ago(58) }],
    now: NOW,
    ...overrides,
  };
}

const eventRows = (e: EventSnapshot) => diagnoseEvent(e).findings.map((f) => f.matrixRow);

describe('the diagnosis walk for one event', () => {
  it('finds nothing for an event that went all the way, or was stored with PostHog off', () => {
    expect(diagnoseEvent(journey({})).findings).toEqual([]);
    expect(diagnoseEvent(journey({ dispatches: [] })).findings).toEqual([]);
    expect(diagnoseEvent(journey({ outbox: null })).findings).toEqual([]);
  });

  it('stops at the source outbox for a PENDING row past the stale age', () => {
    const pending = (age: number) =>
      journey({
        outbox: { status: 'PENDING', retryCount: 0, nextRetryAt: null, lastError: null, createdAt: ago(age) },
        traces: [],
        stored: null,
        dispatches: [],
      });
    expect(eventRows(pending(29))).toEqual([]);
    expect(diagnoseEvent(pending(30)).findings).toEqual([
      expect.objectContaining({ matrixRow: 1, evidence: { status: 'PENDING', pendingAgeSeconds: 30 } }),
    ]);
  });

  it('stops at publish for a FAILED row, with its error', () => {
    const failed = journey({
      outbox: {
        status: 'FAILED',
        retryCount: 3,
        nextRetryAt: null,
        lastError: 'publish timed out',
        createdAt: ago(60),
      },
      traces: [{ stage: 'PUBLISH_FAIL', createdAt: ago(50), errorMessage: 'publish timed out' }],
      stored: null,
      dispatches: [],
    });
    expect(diagnoseEvent(failed).findings).toEqual([
      expect.objectContaining({
        matrixRow: 2,
        stage: 'MQ_PUBLISH',
        evidence: { status: 'FAILED', retryCount: 3, parked: 1, publishFailures: 1, lastError: 'publish timed out' },
      }),
    ]);
  });

  it('stops at consume when published and never consumed, once that has lasted', () => {
    const published = (age: number) =>
      journey({
        traces: [{ stage: 'PUBLISH', createdAt: ago(age), errorMessage: null }],
        stored: null,
        dispatches: [],
      });
    expect(eventRows(published(5))).toEqual([]);
    expect(diagnoseEvent(published(40)).findings).toEqual([
      expect.objectContaining({ matrixRow: 3, evidence: { published: 1, consumed: 0, secondsSincePublish: 40 } }),
    ]);
  });

  it('stops at the store for a dead-lettered message, with its reason', () => {
    const poisoned = journey({
      traces: [
        { stage: 'PUBLISH', createdAt: ago(59), errorMessage: null },
        { stage: 'CONSUME_FAIL', createdAt: ago(58), errorMessage: 'payload is not JSON' },
        { stage: 'DEAD_LETTER', createdAt: ago(58), errorMessage: null },
      ],
      stored: null,
      dispatches: [],
    });
    expect(diagnoseEvent(poisoned).findings).toEqual([
      expect.objectContaining({
        matrixRow: 4,
        evidence: { consumeFailures: 1, deadLettered: 1, lastError: 'payload is not JSON' },
      }),
    ]);
  });

  it('stops at dispatch for a FAILED or a stuck PENDING dispatch row', () => {
    const dispatch = (status: string, age: number) =>
      journey({
        dispatches: [{ target: 'POSTHOG', status, retryCount: 2, lastError: 'HTTP 503', createdAt: ago(age) }],
      });
    expect(diagnoseEvent(dispatch('FAILED', 1)).findings).toEqual([
      expect.objectContaining({
        matrixRow: 5,
        evidence: { target: 'POSTHOG', status: 'FAILED', retryCount: 2, lastError: 'HTTP 503' },
      }),
    ]);
    expect(eventRows(dispatch('PENDING', 40))).toEqual([5]);
    expect(eventRows(dispatch('PENDING', 1))).toEqual([]);
  });

  it('gives each decision of the path the numbers it was answered from', () => {
    const evidence = (e: EventSnapshot) => diagnoseEvent(e).path.map((step) => step.evidence);
    expect(evidence(journey({}))).toEqual([
      { source: 'CLIENT' },
      { outboxStatus: 'PUBLISHED', retryCount: 0, publishFailures: 0 },
      { consumed: 1, consumeFailures: 0 },
      { published: 1, stored: 1 },
      { stored: 1, dispatchRows: 1, dispatched: 1 },
    ]);
    const waiting = journey({
      outbox: null,
      traces: [{ stage: 'PUBLISH', createdAt: ago(5), errorMessage: null }],
      stored: null,
      dispatches: [],
    });
    expect(evidence(waiting).slice(1)).toEqual([
      { outboxStatus: null, retryCount: null, publishFailures: 0 },
      { consumed: 0, consumeFailures: 0 },
      { published: 1, stored: 0 },
      { stored: 0, dispatchRows: 0, dispatched: 0 },
    ]);
    const retried = journey({
      dispatches: [
        { target: 'POSTHOG', status: 'DISPATCHED', retryCount: 0, lastError: null, createdAt: ago(58) },
        { target: 'WEBHOOK', status: 'FAILED', retryCount: 1, lastError: 'HTTP 500', createdAt: ago(58) },
      ],
    });
    expect(evidence(retried)[4]).toEqual({ stored: 1, dispatchRows: 2, dispatched: 1 });
  });

  it('reads the latest attempt: the last consume error, the last publish, a FAILED row still due for a retry', () => {
    const poisoned = journey({
      traces: [
        { stage: 'PUBLISH', createdAt: ago(59), errorMessage: null },
        { stage: 'CONSUME_FAIL', createdAt: ago(58), errorMessage: 'first' },
        { stage: 'CONSUME_FAIL', createdAt: ago(57), errorMessage: 'second' },
      ],
      stored: null,
      dispatches: [],
    });
    expect(diagnoseEvent(poisoned).findings[0].evidence).toMatchObject({ consumeFailures: 2, lastError: 'second' });
    const republished = journey({
      traces: [
        { stage: 'PUBLISH', createdAt: ago(120), errorMessage: null },
        { stage: 'PUBLISH', createdAt: ago(5), errorMessage: null },
      ],
      stored: null,
      dispatches: [],
    });
    expect(eventRows(republished)).toEqual([]);
    const retrying = journey({
      outbox: { status: 'FAILED', retryCount: 2, nextRetryAt: ago(-30), lastError: 'x', createdAt: ago(60) },
      stored: null,
      dispatches: [],
    });
    expect(diagnoseEvent(retrying).findings[0].evidence).toMatchObject({ parked: 0 });
    const storedAfterAFailure = journey({
      traces: [
        { stage: 'PUBLISH', createdAt: ago(59), errorMessage: null },
        { stage: 'CONSUME_FAIL', createdAt: ago(58), errorMessage: 'database unavailable' },
        { stage: 'CONSUME_SUCCESS', createdAt: ago(50), errorMessage: null },
      ],
    });
    expect(eventRows(storedAfterAFailure)).toEqual([]);
  });

  it('answers whether it is a server event, then the decisions down to where it stopped', () => {
    const path = diagnoseEvent(
      journey({
        source: 'SERVER',
        outbox: { status: 'FAILED', retryCount: 1, nextRetryAt: ago(-10), lastError: 'x', createdAt: ago(60) },
        traces: [{ stage: 'PUBLISH_FAIL', createdAt: ago(50), errorMessage: 'x' }],
        stored: null,
        dispatches: [],
      }),
    ).path;
    expect(path.map((step) => `${step.question} ${step.answer}`)).toEqual([
      '서버 이벤트인가? yes',
      'FAILED/PENDING 증가? yes',
      'consume fail 존재? no',
      '구독/consumer group/infra 이상? no',
      'dispatch 대상 누락? no',
    ]);
    expect(path[0].evidence).toEqual({ source: 'SERVER' });
    expect(path[1].evidence).toEqual({ outboxStatus: 'FAILED', retryCount: 1, publishFailures: 1 });
    expect(diagnoseEvent(journey({})).path[0].answer).toBe('no');
  });
});
