import { EventSource, JourneyDispatchRow, JourneyOutboxRow, MqTraceView, TraceStage } from '@app/entities';
import { DispatchOutboxStatus, SourceOutboxStatus } from '@app/state-machines';
import { journeyTimeline } from './journey-timeline';

const T0 = Date.parse('2026-02-20T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function outbox(overrides: Partial<JourneyOutboxRow>): JourneyOutboxRow {
  return {
    id: 1,
    eventName: 'ui.page.viewed',
    status: SourceOutboxStatus.Pending,
    retryCount: 0,
    nextRetryAt: null,
    lastError: null,
    publishedAt: null,
    createdAt: at(0),
    updatedAt: at(0),
    payload: {},
    ...overrides,
  };
}

function trace(stage: TraceStage, ms: number, errorMessage: string | null = null): MqTraceView {
  return {
    id: ms,
    messageId: 'e-1',
    topic: 'domain.user.activity',
    provider: 'rabbitmq',
    messageKey: 'ui.page.viewed',
    consumerGroup: null,
    stage,
    processingMillis: 1,
    errorMessage,
    createdAt: at(ms),
  };
}

function dispatch(overrides: Partial<JourneyDispatchRow>): JourneyDispatchRow {
  return {
    id: 1,
    target: 'POSTHOG',
    status: DispatchOutboxStatus.Pending,
    retryCount: 0,
    nextRetryAt: null,
    lastError: null,
    dispatchedAt: null,
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

const steps = (parts: Parameters<typeof journeyTimeline>[0]) =>
  journeyTimeline(parts).map((step) => `${step.component} ${step.step}${step.detail ? ` (${step.detail})` : ''}`);

describe('the journey timeline', () => {
  it('orders steps of one transaction (same timestamp) as the pipeline runs', () => {
    expect(
      steps({
        outbox: outbox({ status: SourceOutboxStatus.Published, publishedAt: at(10) }),
        traces: [trace(TraceStage.ConsumeSuccess, 20), trace(TraceStage.Publish, 10)],
        stored: {
          id: 1,
          eventName: 'ui.page.viewed',
          eventVersion: 'v1',
          occurredAt: at(-5),
          receivedAt: at(0),
          memberId: null,
          anonymousId: 'a',
          source: EventSource.Client,
          properties: {},
          storedAt: at(20),
        },
        dispatches: [dispatch({ status: DispatchOutboxStatus.Dispatched, createdAt: at(20), dispatchedAt: at(30) })],
      }),
    ).toEqual([
      'SOURCE_OUTBOX ENQUEUED',
      'MQ PUBLISH',
      'SOURCE_OUTBOX PUBLISHED',
      'MQ CONSUME_SUCCESS',
      'EVENT_STORE STORED',
      'DISPATCH_OUTBOX ENQUEUED',
      'DISPATCH_OUTBOX DISPATCHED',
    ]);
  });

  it('shows failures with their errors where they happened', () => {
    expect(
      steps({
        outbox: outbox({ status: SourceOutboxStatus.Failed, updatedAt: at(50), lastError: 'publish timed out' }),
        traces: [trace(TraceStage.PublishFail, 10, 'timeout'), trace(TraceStage.PublishFail, 50, 'publish timed out')],
        stored: null,
        dispatches: [],
      }),
    ).toEqual([
      'SOURCE_OUTBOX ENQUEUED',
      'MQ PUBLISH_FAIL (timeout)',
      'MQ PUBLISH_FAIL (publish timed out)',
      'SOURCE_OUTBOX FAILED (publish timed out)',
    ]);
  });

  it('works from the later tables alone once retention has removed the outbox row', () => {
    expect(
      steps({
        outbox: null,
        traces: [],
        stored: null,
        dispatches: [dispatch({ status: DispatchOutboxStatus.Failed, updatedAt: at(5), lastError: 'HTTP 400' })],
      }),
    ).toEqual(['DISPATCH_OUTBOX ENQUEUED', 'DISPATCH_OUTBOX FAILED (HTTP 400)']);
  });
});
