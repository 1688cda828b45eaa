import type { Channel, ChannelModel } from 'amqplib';
import { EVENT_STORE_QUEUE } from '@app/messaging';
import { PipelineProcesses } from './bench-pipeline';

/** One reading of every stage of the pipeline. */
export interface BacklogSample {
  /** Milliseconds since the probe opened. */
  atMs: number;
  /** Source outbox rows not yet published (PENDING or FAILED). */
  sourceBacklog: number;
  /** Messages ready in the event-store queue (the unacked ones, at most the prefetch, are not counted). */
  queueReady: number;
  /** Dispatch outbox rows not yet dispatched (PENDING or FAILED). */
  dispatchBacklog: number;
  /** Rows committed to user_activity_event, counted as rows; only differences between readings mean anything. */
  stored: number;
  /** Events the fake PostHog answered 2xx for, since the probe opened. */
  dispatched: number;
}

/**
 * A store transaction that has taken ids from the sequence but not committed yet holds rows that appear later below
 * ids already seen; ids older than this are taken to be settled (committed or rolled back).
 */
const SETTLE_MS = 2_000;

/**
 * Reads the backlog of each stage with one SQL statement and one queue check; cheap enough for several times a second.
 * Stored events are counted as rows, not read from the id sequence, which also advances for duplicates skipped by
 * `ON CONFLICT DO NOTHING` and for rolled-back inserts; to stay cheap with millions of rows present, each reading
 * counts only the ids above the last settled one.
 */
export class BacklogProbe {
  private dispatched = 0;
  /** Rows counted at or below `settledId`, which are not counted again. */
  private settledRows = 0;
  private settledId = '0';
  /** The highest id of each recent reading, the next settled ids once they are SETTLE_MS old. */
  private readonly recentTops: { atMs: number; id: string }[] = [];
  private readonly openedAt = performance.now();

  private constructor(
    private readonly pipeline: PipelineProcesses,
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
  ) {}

  static async open(pipeline: PipelineProcesses): Promise<BacklogProbe> {
    const { connection, channel } = await pipeline.vhost.connect();
    return new BacklogProbe(pipeline, connection, channel);
  }

  async sample(): Promise<BacklogSample> {
    const nextSettledId = this.nextSettledId();
    const [rows, queue] = await Promise.all([
      this.pipeline.db.query<{ source: string; dispatch: string; above: string; above_next: string; top: string }>(
        `SELECT (SELECT count(*) FROM user_activity_source_outbox WHERE status IN ('PENDING', 'FAILED')) AS source,
                (SELECT count(*) FROM user_activity_dispatch_outbox WHERE status IN ('PENDING', 'FAILED')) AS dispatch,
                count(*) AS above, count(*) FILTER (WHERE id > $2) AS above_next, coalesce(max(id), $1) AS top
         FROM user_activity_event WHERE id > $1`,
        [this.settledId, nextSettledId],
      ),
      this.channel.checkQueue(EVENT_STORE_QUEUE),
    ]);
    this.collectDispatched();
    const atMs = performance.now() - this.openedAt;
    const { source, dispatch, above, above_next: aboveNext, top } = rows[0];
    const stored = this.settledRows + Number(above);
    this.settledRows += Number(above) - Number(aboveNext);
    this.settledId = nextSettledId;
    this.recentTops.push({ atMs, id: top });
    return {
      atMs,
      sourceBacklog: Number(source),
      queueReady: queue.messageCount,
      dispatchBacklog: Number(dispatch),
      stored,
      dispatched: this.dispatched,
    };
  }

  /**
   * Waits until `expectedStored` rows are stored, the queue is empty and each outbox holds no more waiting rows than
   * `resting` (none by default; the FAILED rows of an outage that are not due yet otherwise), or `timeoutMs` passes.
   */
  async waitForDrain(
    expectedStored: number,
    timeoutMs: number,
    resting: Pick<BacklogSample, 'sourceBacklog' | 'dispatchBacklog'> = { sourceBacklog: 0, dispatchBacklog: 0 },
  ): Promise<BacklogSample & { drained: boolean }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const sample = await this.sample();
      const drained =
        sample.sourceBacklog <= resting.sourceBacklog &&
        sample.queueReady === 0 &&
        sample.dispatchBacklog <= resting.dispatchBacklog &&
        sample.stored >= expectedStored;
      if (drained || Date.now() > deadline) {
        return { ...sample, drained };
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }

  /** The highest id read at least SETTLE_MS ago (or the current settled id); readings up to it are dropped. */
  private nextSettledId(): string {
    const settledBefore = performance.now() - this.openedAt - SETTLE_MS;
    let next = this.settledId;
    while (this.recentTops.length > 0 && this.recentTops[0].atMs <= settledBefore) {
      next = this.recentTops.shift()!.id;
    }
    return next;
  }

  /** Counts and forgets the fake's recorded requests, so a long run does not keep every batch in memory. */
  private collectDispatched(): void {
    const requests = this.pipeline.posthog.requests.splice(0);
    for (const recorded of requests) {
      if (typeof recorded.answer === 'number' && recorded.answer >= 200 && recorded.answer < 300) {
        this.dispatched += recorded.batch.length;
      }
    }
  }
}
