import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';

@Injectable()
export class StoreMetrics {
  readonly events;
  readonly dispatchEnqueue;

  constructor(metrics: MetricsRegistry) {
    this.events = metrics.counter(
      'analytics_user_activity_store_events_total',
      'Events written to user_activity_event by result (stored/duplicate)',
      ['result'],
    );
    this.dispatchEnqueue = metrics.counter(
      'analytics_user_activity_dispatch_enqueue_total',
      'analytics.user-activity.dispatch.enqueue: dispatch outbox inserts by result and target',
      ['result', 'target'],
    );
  }
}
