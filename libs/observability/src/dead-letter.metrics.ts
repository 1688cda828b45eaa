import { Injectable } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import { gauge, MetricDeclaration } from './metric-declaration';

/** Reads how many messages a dead-letter queue holds; rejects when the broker cannot tell. */
export type DeadLetterDepthReader = () => Promise<{ queue: string; depth: number }>;

/**
 * The depth of the dead-letter queue, read from the broker at every scrape (event-store-consumer). Without an answer
 * from the broker the series is left out rather than reported stale.
 */
@Injectable()
export class DeadLetterMetrics {
  static readonly metrics: readonly MetricDeclaration[] = [
    gauge({
      name: 'analytics_user_activity_dead_letter_queue_depth',
      help: 'Messages waiting in the dead-letter queue (poison messages, deliveries past x-delivery-limit)',
      labelNames: ['queue'],
      inject: [DeadLetterMetrics],
      collect(this: Gauge, source: DeadLetterMetrics) {
        return source.refresh(this);
      },
    }),
  ];

  private reader: DeadLetterDepthReader | null = null;

  /** Sets where the depth comes from; until then the gauge has no series. */
  readFrom(reader: DeadLetterDepthReader): void {
    this.reader = reader;
  }

  private async refresh(depthGauge: Gauge): Promise<void> {
    if (this.reader === null) {
      return;
    }
    try {
      const { queue, depth } = await this.reader();
      depthGauge.reset();
      depthGauge.set({ queue }, depth);
    } catch {
      depthGauge.reset();
    }
  }
}
