import { DECISIONS, DiagnosisStage, FAILURE_MATRIX, MatrixRowNumber, STAGE_ORDER } from './failure-matrix';

export type Evidence = Record<string, number | string | null>;

export interface Finding {
  matrixRow: MatrixRowNumber;
  stage: DiagnosisStage;
  symptom: string;
  evidence: Evidence;
  action: string;
  next: string[];
}

export interface PathStep {
  question: string;
  answer: 'yes' | 'no';
  evidence: Evidence;
}

export interface Diagnosis {
  findings: Finding[];
  path: PathStep[];
}

/** Ingest requests refused or accepted in the window, by outcome. */
export interface IngestCounts {
  accepted: number;
  rateLimited: number;
  notAllowed: number;
  invalid: number;
  unavailable: number;
}

/** Trace rows written in the window, by stage. */
export interface TraceCounts {
  published: number;
  publishFailed: number;
  consumed: number;
  consumeFailed: number;
  deadLettered: number;
}

/** A queue as the broker reports it to a passive declare; null when the broker could not be asked. */
export interface QueueState {
  messageCount: number;
  consumerCount: number;
}

/** What the gatherer reads for a window: counts in the window, and the state of the waiting rows and queues now. */
export interface PipelineSnapshot {
  ingest: IngestCounts;
  traces: TraceCounts;
  sourceOutbox: { pending: number; failed: number; parked: number; oldestPendingAgeSeconds: number | null };
  dispatch: {
    /** FAILED rows of enabled targets waiting for their next retry. */
    retrying: number;
    parked: number;
    dispatchedInWindow: number;
    /** Breakers of enabled targets that are not CLOSED. */
    openCircuits: number;
  };
  queue: QueueState | null;
  deadLetterQueue: QueueState | null;
}

export interface Thresholds {
  /** A PENDING row older than this is stuck: a running relay claims rows within its poll interval. */
  pendingStaleSeconds: number;
  /** The share of requests refused, as the alerts UserActivityIngest…Surge use. */
  rateLimitedShare: number;
  notAllowedShare: number;
  /** Fewer refusals than this in the window are noise, whatever their share. */
  minRefusals: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  pendingStaleSeconds: 30,
  rateLimitedShare: 0.05,
  notAllowedShare: 0.01,
  minRefusals: 10,
};

function finding(row: MatrixRowNumber, evidence: Evidence): Finding {
  const { stage, symptom, action, next } = FAILURE_MATRIX[row];
  return { matrixRow: row, stage, symptom, evidence, action, next: [...next] };
}

/** Most upstream first; rows of one stage in the matrix's order. */
export function upstreamFirst(findings: Finding[]): Finding[] {
  const rank = (f: Finding) => STAGE_ORDER.indexOf(f.stage);
  return [...findings].sort((a, b) => rank(a) - rank(b) || a.matrixRow - b.matrixRow);
}

function totalRequests(ingest: IngestCounts): number {
  return ingest.accepted + ingest.rateLimited + ingest.notAllowed + ingest.invalid + ingest.unavailable;
}

function surge(refused: number, total: number, share: number, limits: Thresholds): boolean {
  return refused >= limits.minRefusals && refused > share * total;
}

function ingestFindings(s: PipelineSnapshot, limits: Thresholds): Finding[] {
  const total = totalRequests(s.ingest);
  const share = (refused: number) => (total === 0 ? 0 : Math.round((refused / total) * 1000) / 1000);
  const found: Finding[] = [];
  if (surge(s.ingest.rateLimited, total, limits.rateLimitedShare, limits)) {
    found.push(
      finding(6, { rateLimitedRequests: s.ingest.rateLimited, requests: total, share: share(s.ingest.rateLimited) }),
    );
  }
  if (surge(s.ingest.notAllowed, total, limits.notAllowedShare, limits)) {
    found.push(
      finding(7, { notAllowedRequests: s.ingest.notAllowed, requests: total, share: share(s.ingest.notAllowed) }),
    );
  }
  return found;
}

function pendingStale(s: PipelineSnapshot, limits: Thresholds): boolean {
  const age = s.sourceOutbox.oldestPendingAgeSeconds;
  return s.sourceOutbox.pending > 0 && age !== null && age >= limits.pendingStaleSeconds;
}

function consumerMissing(s: PipelineSnapshot): boolean {
  if (s.queue !== null && s.queue.consumerCount === 0) {
    return true;
  }
  const queued = s.queue === null || s.queue.messageCount > 0;
  return s.traces.published > 0 && s.traces.consumed + s.traces.consumeFailed === 0 && queued;
}

function pipelineFindings(s: PipelineSnapshot, limits: Thresholds): Finding[] {
  const found: Finding[] = [];
  if (pendingStale(s, limits)) {
    found.push(
      finding(1, {
        pendingCount: s.sourceOutbox.pending,
        oldestPendingAgeSeconds: s.sourceOutbox.oldestPendingAgeSeconds,
        publishedInWindow: s.traces.published,
      }),
    );
  }
  if (s.traces.publishFailed > 0) {
    found.push(
      finding(2, {
        publishFailuresInWindow: s.traces.publishFailed,
        publishedInWindow: s.traces.published,
        failedCount: s.sourceOutbox.failed,
        parkedCount: s.sourceOutbox.parked,
      }),
    );
  }
  if (consumerMissing(s)) {
    found.push(
      finding(3, {
        publishedInWindow: s.traces.published,
        consumedInWindow: s.traces.consumed + s.traces.consumeFailed,
        queueDepth: s.queue?.messageCount ?? null,
        consumers: s.queue?.consumerCount ?? null,
      }),
    );
  }
  if (s.traces.consumeFailed > 0) {
    found.push(
      finding(4, {
        consumeFailuresInWindow: s.traces.consumeFailed,
        deadLetteredInWindow: s.traces.deadLettered,
        consumedInWindow: s.traces.consumed,
        deadLetterQueueDepth: s.deadLetterQueue?.messageCount ?? null,
      }),
    );
  }
  if (s.dispatch.retrying > 0 || s.dispatch.openCircuits > 0) {
    found.push(
      finding(5, {
        dispatchFailedRetrying: s.dispatch.retrying,
        dispatchParked: s.dispatch.parked,
        openCircuits: s.dispatch.openCircuits,
        dispatchedInWindow: s.dispatch.dispatchedInWindow,
        storedInWindow: s.traces.consumed,
      }),
    );
  }
  return found;
}

/**
 * The §3 flowchart over a window. A window holds server and client events alike, so both branches of its first
 * question are walked, and every later decision is answered too: several stages can fail at once.
 */
function windowPath(s: PipelineSnapshot, found: Finding[]): PathStep[] {
  const has = (...rows: MatrixRowNumber[]) => found.some((f) => rows.includes(f.matrixRow));
  const answer = (yes: boolean) => (yes ? 'yes' : 'no');
  const path: PathStep[] = [
    { question: DECISIONS.ingestRefusals, answer: answer(has(6, 7)), evidence: { ...s.ingest } },
    {
      question: DECISIONS.outboxGrowing,
      answer: answer(has(1, 2)),
      evidence: {
        pendingCount: s.sourceOutbox.pending,
        failedCount: s.sourceOutbox.failed,
        oldestPendingAgeSeconds: s.sourceOutbox.oldestPendingAgeSeconds,
        publishFailuresInWindow: s.traces.publishFailed,
      },
    },
    {
      question: DECISIONS.consumeFail,
      answer: answer(has(4)),
      evidence: {
        consumeFailuresInWindow: s.traces.consumeFailed,
        consumedInWindow: s.traces.consumed,
        deadLetterQueueDepth: s.deadLetterQueue?.messageCount ?? null,
      },
    },
  ];
  if (!has(4)) {
    path.push({
      question: DECISIONS.subscription,
      answer: answer(has(3)),
      evidence: {
        consumers: s.queue?.consumerCount ?? null,
        queueDepth: s.queue?.messageCount ?? null,
        publishedInWindow: s.traces.published,
      },
    });
  }
  path.push({
    question: DECISIONS.dispatchMissing,
    answer: answer(has(5)),
    evidence: {
      storedInWindow: s.traces.consumed,
      dispatchedInWindow: s.dispatch.dispatchedInWindow,
      dispatchFailedRetrying: s.dispatch.retrying,
      openCircuits: s.dispatch.openCircuits,
    },
  });
  return path;
}

/** Runbook §2 and §3 over a window: every matrix row the snapshot shows, upstream first, and the flowchart's path. */
export function diagnoseWindow(snapshot: PipelineSnapshot, limits: Thresholds = DEFAULT_THRESHOLDS): Diagnosis {
  const findings = upstreamFirst([...ingestFindings(snapshot, limits), ...pipelineFindings(snapshot, limits)]);
  return { findings, path: windowPath(snapshot, findings) };
}

/** One event's rows as the journey reads them, reduced to what the walk needs. */
export interface EventSnapshot {
  source: string | null;
  outbox: {
    status: string;
    retryCount: number;
    nextRetryAt: string | null;
    lastError: string | null;
    createdAt: string;
  } | null;
  traces: { stage: string; createdAt: string; errorMessage: string | null }[];
  stored: { storedAt: string } | null;
  dispatches: { target: string; status: string; retryCount: number; lastError: string | null; createdAt: string }[];
  /** When the rows were read (admin-api's clock; the stamps are the database's, which NTP keeps in step). */
  now: string;
}

function ageSeconds(at: string, now: string): number {
  return Math.round((Date.parse(now) - Date.parse(at)) / 100) / 10;
}

function eventFindings(e: EventSnapshot, limits: Thresholds): Finding[] {
  const count = (stage: string) => e.traces.filter((t) => t.stage === stage).length;
  const lastError = (stage: string) => [...e.traces].reverse().find((t) => t.stage === stage)?.errorMessage ?? null;
  const stuck = (at: string) => ageSeconds(at, e.now) >= limits.pendingStaleSeconds;
  const found: Finding[] = [];
  if (e.outbox?.status === 'PENDING' && stuck(e.outbox.createdAt)) {
    found.push(finding(1, { status: 'PENDING', pendingAgeSeconds: ageSeconds(e.outbox.createdAt, e.now) }));
  }
  if (e.outbox?.status === 'FAILED') {
    found.push(
      finding(2, {
        status: 'FAILED',
        retryCount: e.outbox.retryCount,
        parked: e.outbox.nextRetryAt === null ? 1 : 0,
        publishFailures: count('PUBLISH_FAIL'),
        lastError: e.outbox.lastError,
      }),
    );
  }
  const lastPublish = [...e.traces].reverse().find((t) => t.stage === 'PUBLISH');
  if (e.stored === null && count('CONSUME_FAIL') > 0) {
    found.push(
      finding(4, {
        consumeFailures: count('CONSUME_FAIL'),
        deadLettered: count('DEAD_LETTER'),
        lastError: lastError('CONSUME_FAIL'),
      }),
    );
  } else if (e.stored === null && lastPublish !== undefined && stuck(lastPublish.createdAt)) {
    const secondsSincePublish = ageSeconds(lastPublish.createdAt, e.now);
    found.push(finding(3, { published: count('PUBLISH'), consumed: 0, secondsSincePublish }));
  }
  const undelivered = e.dispatches.filter(
    (d) => d.status === 'FAILED' || (d.status === 'PENDING' && stuck(d.createdAt)),
  );
  if (e.stored !== null && undelivered.length > 0) {
    const first = undelivered[0];
    found.push(
      finding(5, {
        target: first.target,
        status: first.status,
        retryCount: first.retryCount,
        lastError: first.lastError,
      }),
    );
  }
  return found;
}

/** Runbook §3 for one event: where it stopped and why, from its journey. No finding: it went all the way. */
export function diagnoseEvent(snapshot: EventSnapshot, limits: Thresholds = DEFAULT_THRESHOLDS): Diagnosis {
  const findings = upstreamFirst(eventFindings(snapshot, limits));
  const has = (...rows: MatrixRowNumber[]) => findings.some((f) => rows.includes(f.matrixRow));
  const answer = (yes: boolean) => (yes ? 'yes' : 'no');
  const count = (stage: string) => snapshot.traces.filter((t) => t.stage === stage).length;
  const path: PathStep[] = [
    {
      question: DECISIONS.serverEvent,
      answer: answer(snapshot.source === 'SERVER'),
      evidence: { source: snapshot.source },
    },
    {
      question: DECISIONS.outboxGrowing,
      answer: answer(has(1, 2)),
      evidence: {
        outboxStatus: snapshot.outbox?.status ?? null,
        retryCount: snapshot.outbox?.retryCount ?? null,
        publishFailures: count('PUBLISH_FAIL'),
      },
    },
    {
      question: DECISIONS.consumeFail,
      answer: answer(has(4)),
      evidence: { consumed: count('CONSUME_SUCCESS'), consumeFailures: count('CONSUME_FAIL') },
    },
  ];
  if (!has(4)) {
    path.push({
      question: DECISIONS.subscription,
      answer: answer(has(3)),
      evidence: { published: count('PUBLISH'), stored: snapshot.stored === null ? 0 : 1 },
    });
  }
  path.push({
    question: DECISIONS.dispatchMissing,
    answer: answer(has(5)),
    evidence: {
      stored: snapshot.stored === null ? 0 : 1,
      dispatchRows: snapshot.dispatches.length,
      dispatched: snapshot.dispatches.filter((d) => d.status === 'DISPATCHED').length,
    },
  });
  return { findings, path };
}
