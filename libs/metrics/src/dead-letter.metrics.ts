import { Injectable } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';

/** Reads how many messages a dead-letter queue holds; rejects when the broker cannot tell. */
export type DeadLetterDepthReader = () => Promise<{ queue: string; depth: number }>;

/**
 * The depth of the dead-letter queue, read from the broker at every scrape (event-store-consumer). Without an answer
 * from the broker the series is left out rather than reported stale.
 */
@Injectable()
export class DeadLetterMetrics {
  readonly depth: Gauge<'queue'>;
  private reader: DeadLetterDepthReader | null = null;

  constructor(metrics: MetricsRegistry) {
    this.depth = metrics.gauge(
      'analytics_user_activity_dead_letter_queue_depth',
      'Messages waiting in the dead-letter queue (poison messages, deliveries past x-delivery-limit)',
      ['queue'],
      () => this.refresh(),
    );
  }

  /** Sets where the depth comes from; until then the gauge has no series. */
  readFrom(reader: DeadLetterDepthReader): void {
    this.reader = reader;
  }

  private async refresh(): Promise<void> {
    if (this.reader === null) {
      return;
    }
    try {
      const { queue, depth } = await this.reader();
      this.depth.reset();
      this.depth.set({ queue }, depth);
    } catch {
      this.depth.reset();
    }
  }
}
