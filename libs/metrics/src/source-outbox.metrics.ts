import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';

@Injectable()
export class SourceOutboxMetrics {
  readonly publish;
  readonly retry;

  constructor(metrics: MetricsRegistry) {
    this.publish = metrics.counter(
      'analytics_user_activity_outbox_publish_total',
      'analytics.user-activity.outbox.publish: source outbox publishes by result',
      ['result'],
    );
    this.retry = metrics.counter(
      'analytics_user_activity_outbox_retry_total',
      'analytics.user-activity.outbox.retry: source outbox retries scheduled',
      ['result'],
    );
  }
}
