import { JourneyDispatchRow, JourneyOutboxRow, JourneyStoredRow, MqTraceView } from '@app/entities';
import { DispatchOutboxStatus, SourceOutboxStatus } from '@app/state-machines';

export enum JourneyComponent {
  SourceOutbox = 'SOURCE_OUTBOX',
  Mq = 'MQ',
  EventStore = 'EVENT_STORE',
  DispatchOutbox = 'DISPATCH_OUTBOX',
}

export interface JourneyStep {
  at: string;
  component: JourneyComponent;
  /** ENQUEUED, PUBLISHED, FAILED, a trace stage, STORED or DISPATCHED. */
  step: string;
  /** The dispatch target of a dispatch step. */
  target: string | null;
  /** The error of a failed step. */
  detail: string | null;
}

export interface JourneyParts {
  outbox: JourneyOutboxRow | null;
  traces: MqTraceView[];
  stored: JourneyStoredRow | null;
  dispatches: JourneyDispatchRow[];
}

// Stamps come from the database clock as each step is written (the relay's PUBLISH and PUBLISHED share the time of
// its claim); ties are ordered as the pipeline runs.
const PIPELINE_ORDER: Record<string, number> = {
  'SOURCE_OUTBOX:ENQUEUED': 0,
  'MQ:PUBLISH': 1,
  'MQ:PUBLISH_FAIL': 1,
  'SOURCE_OUTBOX:PUBLISHED': 2,
  'SOURCE_OUTBOX:FAILED': 2,
  'MQ:CONSUME_SUCCESS': 3,
  'MQ:CONSUME_FAIL': 3,
  'MQ:DEAD_LETTER': 3,
  'EVENT_STORE:STORED': 4,
  'DISPATCH_OUTBOX:ENQUEUED': 5,
  'DISPATCH_OUTBOX:DISPATCHED': 6,
  'DISPATCH_OUTBOX:FAILED': 6,
};

function step(
  at: string,
  component: JourneyComponent,
  name: string,
  target: string | null = null,
  detail: string | null = null,
): JourneyStep {
  return { at, component, step: name, target, detail };
}

function outboxSteps(outbox: JourneyOutboxRow): JourneyStep[] {
  const steps = [step(outbox.createdAt, JourneyComponent.SourceOutbox, 'ENQUEUED')];
  if (outbox.status === SourceOutboxStatus.Published && outbox.publishedAt !== null) {
    steps.push(step(outbox.publishedAt, JourneyComponent.SourceOutbox, 'PUBLISHED'));
  } else if (outbox.status === SourceOutboxStatus.Failed) {
    steps.push(step(outbox.updatedAt, JourneyComponent.SourceOutbox, 'FAILED', null, outbox.lastError));
  }
  return steps;
}

function dispatchSteps(row: JourneyDispatchRow): JourneyStep[] {
  const steps = [step(row.createdAt, JourneyComponent.DispatchOutbox, 'ENQUEUED', row.target)];
  if (row.status === DispatchOutboxStatus.Dispatched && row.dispatchedAt !== null) {
    steps.push(step(row.dispatchedAt, JourneyComponent.DispatchOutbox, 'DISPATCHED', row.target));
  } else if (row.status === DispatchOutboxStatus.Failed) {
    steps.push(step(row.updatedAt, JourneyComponent.DispatchOutbox, 'FAILED', row.target, row.lastError));
  }
  return steps;
}

/** Everything known about one event as one list in time order: the answer to "where is my event?". */
export function journeyTimeline(parts: JourneyParts): JourneyStep[] {
  const steps = [
    ...(parts.outbox ? outboxSteps(parts.outbox) : []),
    ...parts.traces.map((trace) => step(trace.createdAt, JourneyComponent.Mq, trace.stage, null, trace.errorMessage)),
    ...(parts.stored ? [step(parts.stored.storedAt, JourneyComponent.EventStore, 'STORED')] : []),
    ...parts.dispatches.flatMap(dispatchSteps),
  ];
  const rank = (s: JourneyStep) => PIPELINE_ORDER[`${s.component}:${s.step}`] ?? 0;
  return steps
    .map((s, index) => ({ s, index }))
    .sort((a, b) => Date.parse(a.s.at) - Date.parse(b.s.at) || rank(a.s) - rank(b.s) || a.index - b.index)
    .map(({ s }) => s);
}
