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
  /** Rows ever inserted into user_activity_event (its id sequence). */
  stored: number;
  /** Events the fake PostHog answered 2xx for, since the probe opened. */
  dispatched: number;
}

/** Reads the backlog of each stage with one SQL statement and one queue check; cheap enough for several times a second. */
export class BacklogProbe {
  private dispatched = 0;
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
    const [rows, queue] = await Promise.all([
      this.pipeline.db.query<{ source: string; dispatch: string; stored: string }>(
        `SELECT (SELECT count(*) FROM user_activity_source_outbox WHERE status IN ('PENDING', 'FAILED')) AS source,
                (SELECT count(*) FROM user_activity_dispatch_outbox WHERE status IN ('PENDING', 'FAILED')) AS dispatch,
                (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM user_activity_event_id_seq) AS stored`,
      ),
      this.channel.checkQueue(EVENT_STORE_QUEUE),
    ]);
    this.collectDispatched();
    return {
      atMs: performance.now() - this.openedAt,
      sourceBacklog: Number(rows[0].source),
      queueReady: queue.messageCount,
      dispatchBacklog: Number(rows[0].dispatch),
      stored: Number(rows[0].stored),
      dispatched: this.dispatched,
    };
  }

  /** Waits until every stage is empty and `expectedStored` rows are stored, or `timeoutMs` passes. */
  async waitForDrain(expectedStored: number, timeoutMs: number): Promise<BacklogSample & { drained: boolean }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const sample = await this.sample();
      const drained =
        sample.sourceBacklog === 0 &&
        sample.queueReady === 0 &&
        sample.dispatchBacklog === 0 &&
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
