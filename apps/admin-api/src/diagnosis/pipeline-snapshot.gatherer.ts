import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, posthogDispatchEnabled } from '@app/config';
import {
  DispatchTargetName,
  EventJourneyRepository,
  IncidentDetails,
  MqTraceRepository,
  PipelineSnapshotRepository,
  PipelineWindowCounts,
  SnapshotWindow,
  TraceStage,
} from '@app/entities';
import { AdminConfig } from '../admin-api.config';
import { BrokerQueueReader } from './broker-queue.reader';
import { EventSnapshot, IngestCounts, PipelineSnapshot, TraceCounts } from './diagnosis.walk';
import { RecoveryInputs } from './recovery-check';

/** Enough traces of one event to tell where it stopped; a message redelivered more often than this is rare. */
const EVENT_TRACES = 200;

export interface GatheredWindow {
  from: Date;
  to: Date;
  snapshot: PipelineSnapshot;
  acceptedEvents: number;
}

export interface GatheredRecovery {
  window: { from: Date; to: Date };
  baselineWindow: { from: Date; to: Date };
  inputs: RecoveryInputs;
}

export function traceCounts(byStage: Record<string, number>): TraceCounts {
  const count = (stage: TraceStage) => byStage[stage] ?? 0;
  return {
    published: count(TraceStage.Publish),
    publishFailed: count(TraceStage.PublishFail),
    consumed: count(TraceStage.ConsumeSuccess),
    consumeFailed: count(TraceStage.ConsumeFail),
    deadLettered: count(TraceStage.DeadLetter),
  };
}

function ingestCounts(counts: PipelineWindowCounts): IngestCounts {
  const requests = (result: string) => counts.ingest[result]?.requests ?? 0;
  return {
    accepted: requests('accepted'),
    rateLimited: requests('rate_limited'),
    notAllowed: requests('not_allowed'),
    invalid: requests('invalid'),
    unavailable: requests('unavailable'),
  };
}

/** Reads what the walks need from PostgreSQL (a few statements) and RabbitMQ (a passive declare of two queues). */
@Injectable()
export class PipelineSnapshotGatherer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AdminConfig,
    private readonly snapshots: PipelineSnapshotRepository,
    private readonly journeys: EventJourneyRepository,
    private readonly traces: MqTraceRepository,
    private readonly broker: BrokerQueueReader,
  ) {}

  /** The dispatch targets this deployment sends to; rows of the others wait by design and are no failure. */
  private get enabledTargets(): string[] {
    return posthogDispatchEnabled(this.config) ? [DispatchTargetName.Posthog] : [];
  }

  async window(window: SnapshotWindow): Promise<GatheredWindow> {
    const [counts, queues] = await Promise.all([
      this.snapshots.windowCounts(window, this.enabledTargets),
      this.broker.read(),
    ]);
    return {
      from: counts.from,
      to: counts.to,
      acceptedEvents: counts.ingest.accepted?.events ?? 0,
      snapshot: {
        ingest: ingestCounts(counts),
        traces: traceCounts(counts.traces),
        sourceOutbox: {
          pending: counts.pendingCount,
          failed: counts.failedCount,
          parked: counts.parkedCount,
          oldestPendingAgeSeconds: counts.oldestPendingAgeSeconds,
        },
        dispatch: {
          retrying: counts.dispatchRetrying,
          parked: counts.dispatchParked,
          dispatchedInWindow: counts.dispatchedInWindow,
          openCircuits: counts.openCircuits,
        },
        queue: queues.queue,
        deadLetterQueue: queues.deadLetterQueue,
      },
    };
  }

  async recovery(sinceMs: number): Promise<GatheredRecovery> {
    const parts = await this.snapshots.traceCountsByPart(sinceMs);
    const recentHalf = await this.snapshots.windowCounts({ from: parts.middle, to: parts.to }, this.enabledTargets);
    return {
      window: { from: parts.from, to: parts.to },
      baselineWindow: { from: parts.baselineFrom, to: parts.from },
      inputs: {
        windowMinutes: sinceMs / 60_000,
        baseline: traceCounts(parts.baseline),
        earlier: traceCounts(parts.earlier),
        recent: traceCounts(parts.recent),
        sourceOutbox: { failed: recentHalf.failedCount, parked: recentHalf.parkedCount },
        dispatch: {
          retrying: recentHalf.dispatchRetrying,
          parked: recentHalf.dispatchParked,
          openCircuits: recentHalf.openCircuits,
          dispatchedInRecentHalf: recentHalf.dispatchedInWindow,
        },
      },
    };
  }

  incidentDetails(from: Date, to: Date): Promise<IncidentDetails> {
    return this.snapshots.incidentDetails(from, to);
  }

  /** One event's rows from its journey; null when no table knows it. */
  async event(eventId: string): Promise<EventSnapshot | null> {
    const [outbox, newestTraces, stored, dispatches] = await Promise.all([
      this.journeys.outboxRow(eventId),
      this.traces.newest(eventId, EVENT_TRACES),
      this.journeys.storedRow(eventId),
      this.journeys.dispatchRows(eventId),
    ]);
    if (outbox === null && newestTraces.length === 0 && stored === null && dispatches.length === 0) {
      return null;
    }
    const payloadSource = (outbox?.payload as { source?: unknown } | undefined)?.source;
    return {
      source: stored?.source ?? (typeof payloadSource === 'string' ? payloadSource : null),
      outbox,
      traces: [...newestTraces].reverse(),
      stored,
      dispatches,
      now: new Date().toISOString(),
    };
  }
}
