import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A window of the database clock: explicit bounds, or the last `sinceMs` up to now. */
export type SnapshotWindow = { from: Date; to: Date } | { sinceMs: number };

export interface PipelineWindowCounts {
  from: Date;
  to: Date;
  /** Requests and new events by ingest outcome (`accepted`, `rate_limited`, …) in the buckets the window touches. */
  ingest: Record<string, { requests: number; events: number }>;
  /** Trace rows by stage written in the window. */
  traces: Record<string, number>;
  pendingCount: number;
  failedCount: number;
  parkedCount: number;
  oldestPendingAgeSeconds: number | null;
  /** FAILED dispatch rows of the given targets waiting for a retry, and parked ones. */
  dispatchRetrying: number;
  dispatchParked: number;
  dispatchedInWindow: number;
  /** Breakers of the given targets that are not CLOSED. */
  openCircuits: number;
}

export interface TraceCountsByPart {
  baselineFrom: Date;
  from: Date;
  middle: Date;
  to: Date;
  /** Trace rows by stage in [baselineFrom, from), [from, middle) and [middle, to). */
  baseline: Record<string, number>;
  earlier: Record<string, number>;
  recent: Record<string, number>;
}

export interface IncidentDetails {
  /** Stored events whose occurred_at is in the window. */
  storedTotal: number;
  /** Stored events by name whose occurred_at is in the window, most first. */
  storedByName: { eventName: string; count: number }[];
  /** Publish and consume failures by event name (the trace's message_key) in the window, most first. */
  failuresByName: { eventName: string; stage: string; count: number }[];
  /** Operator actions of `admin_audit_log` in the window, with the sums of their counts. */
  actions: { action: string; runs: number; processed: number; succeeded: number; failed: number }[];
}

const WINDOW = `w AS (
  SELECT coalesce($1::timestamptz, now() - $3::float8 * interval '1 millisecond') AS from_at,
         coalesce($2::timestamptz, now()) AS to_at
)`;

/** The sum of the first numeric of `keys` in each audit row's result (replays count successes, re-drives moves). */
function resultSum(...keys: string[]): string {
  const numbers = keys.map(
    (key) => `CASE WHEN jsonb_typeof(result->'${key}') = 'number' THEN (result->>'${key}')::numeric END`,
  );
  return `coalesce(sum(coalesce(${numbers.join(', ')})), 0)::int`;
}

function windowParameters(window: SnapshotWindow): [Date | null, Date | null, number] {
  return 'sinceMs' in window ? [null, null, window.sinceMs] : [window.from, window.to, 0];
}

/**
 * What runbook §2–§4 and §10–§11 look at, read for admin-api's diagnosis in a few statements. Counts of a window read
 * index ranges of it (traces by created_at, dispatched rows by dispatched_at, ingest outcomes by bucket, stored events
 * by occurred_at), so they cost about the rows of the window; the waiting rows are counted from their partial indexes.
 */
@Injectable()
export class PipelineSnapshotRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async windowCounts(window: SnapshotWindow, dispatchTargets: string[]): Promise<PipelineWindowCounts> {
    const [row] = await this.dataSource.query<PipelineWindowCounts[]>(
      `WITH ${WINDOW}
       SELECT w.from_at AS "from", w.to_at AS "to",
         (SELECT coalesce(json_object_agg(result, json_build_object('requests', requests, 'events', events)), '{}')
          FROM (SELECT result, sum(request_count)::float8 AS requests, sum(event_count)::float8 AS events
                FROM ingest_request_outcome
                WHERE bucket_start > w.from_at - interval '10 seconds' AND bucket_start < w.to_at
                GROUP BY result) AS i) AS ingest,
         (SELECT coalesce(json_object_agg(stage, n), '{}')
          FROM (SELECT stage, count(*)::float8 AS n FROM message_queue_trace_log
                WHERE created_at >= w.from_at AND created_at < w.to_at GROUP BY stage) AS t) AS traces,
         (SELECT count(*) FROM user_activity_source_outbox WHERE status = 'PENDING')::int AS "pendingCount",
         (SELECT count(*) FROM user_activity_source_outbox WHERE status = 'FAILED')::int AS "failedCount",
         (SELECT count(*) FROM user_activity_source_outbox WHERE status = 'FAILED' AND next_retry_at IS NULL)::int
           AS "parkedCount",
         (SELECT round(extract(epoch FROM w.to_at - created_at)::numeric, 1)::float8 FROM user_activity_source_outbox
          WHERE status = 'PENDING' ORDER BY id LIMIT 1) AS "oldestPendingAgeSeconds",
         (SELECT count(*) FROM user_activity_dispatch_outbox
          WHERE status = 'FAILED' AND next_retry_at IS NOT NULL AND dispatch_target = ANY($4::varchar[]))::int
           AS "dispatchRetrying",
         (SELECT count(*) FROM user_activity_dispatch_outbox
          WHERE status = 'FAILED' AND next_retry_at IS NULL AND dispatch_target = ANY($4::varchar[]))::int
           AS "dispatchParked",
         (SELECT count(*) FROM user_activity_dispatch_outbox
          WHERE status = 'DISPATCHED' AND dispatched_at >= w.from_at AND dispatched_at < w.to_at)::int
           AS "dispatchedInWindow",
         (SELECT count(*) FROM user_activity_dispatch_circuit
          WHERE state <> 'CLOSED' AND dispatch_target = ANY($4::varchar[]))::int AS "openCircuits"
       FROM w`,
      [...windowParameters(window), dispatchTargets],
    );
    return row;
  }

  /** The traces of the last `sinceMs` in two halves, and of as long again before it (the level to recover to). */
  async traceCountsByPart(sinceMs: number): Promise<TraceCountsByPart> {
    const [row] = await this.dataSource.query<TraceCountsByPart[]>(
      `WITH w AS (SELECT now() - $1::float8 * interval '1 millisecond' AS from_at, now() AS to_at),
       p AS (SELECT from_at - (to_at - from_at) AS baseline_from, from_at, from_at + (to_at - from_at) / 2 AS middle,
                    to_at FROM w),
       c AS (SELECT stage,
                    count(*) FILTER (WHERE created_at < p.from_at)::float8 AS baseline,
                    count(*) FILTER (WHERE created_at >= p.from_at AND created_at < p.middle)::float8 AS earlier,
                    count(*) FILTER (WHERE created_at >= p.middle)::float8 AS recent
             FROM message_queue_trace_log, p
             WHERE created_at >= p.baseline_from AND created_at < p.to_at
             GROUP BY stage)
       SELECT p.baseline_from AS "baselineFrom", p.from_at AS "from", p.middle, p.to_at AS "to",
              (SELECT coalesce(json_object_agg(stage, baseline), '{}') FROM c) AS baseline,
              (SELECT coalesce(json_object_agg(stage, earlier), '{}') FROM c) AS earlier,
              (SELECT coalesce(json_object_agg(stage, recent), '{}') FROM c) AS recent
       FROM p`,
      [sinceMs],
    );
    return row;
  }

  /** Affected event names and operator actions of an incident window. The audit log is small and read whole. */
  async incidentDetails(from: Date, to: Date): Promise<IncidentDetails> {
    const [row] = await this.dataSource.query<IncidentDetails[]>(
      `SELECT
         (SELECT count(*) FROM user_activity_event WHERE occurred_at >= $1 AND occurred_at < $2)::int AS "storedTotal",
         (SELECT coalesce(json_agg(json_build_object('eventName', event_name, 'count', n) ORDER BY n DESC, event_name),
                          '[]')
          FROM (SELECT event_name, count(*)::int AS n FROM user_activity_event
                WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY event_name ORDER BY n DESC LIMIT 20) AS s)
           AS "storedByName",
         (SELECT coalesce(json_agg(json_build_object('eventName', event_name, 'stage', stage, 'count', n)
                                   ORDER BY n DESC, event_name), '[]')
          FROM (SELECT coalesce(message_key, '(unknown)') AS event_name, stage, count(*)::int AS n
                FROM message_queue_trace_log
                WHERE created_at >= $1 AND created_at < $2 AND stage IN ('PUBLISH_FAIL', 'CONSUME_FAIL')
                GROUP BY 1, 2 ORDER BY n DESC LIMIT 20) AS f) AS "failuresByName",
         (SELECT coalesce(json_agg(json_build_object('action', action, 'runs', runs, 'processed', processed,
                                                     'succeeded', succeeded, 'failed', failed) ORDER BY action), '[]')
          FROM (SELECT action, count(*)::int AS runs,
                       ${resultSum('processedCount')} AS processed,
                       ${resultSum('successCount', 'movedCount')} AS succeeded,
                       ${resultSum('failedCount')} AS failed
                FROM admin_audit_log WHERE created_at >= $1 AND created_at < $2 GROUP BY action) AS a) AS actions`,
      [from, to],
    );
    return row;
  }
}
