import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';

@Injectable()
export class SourceOutboxMetrics {
  readonly publish;
  readonly retry;
  readonly pending;
  readonly failed;
  readonly published;
  readonly oldestPendingAge;

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
    this.pending = metrics.gauge('analytics_user_activity_source_outbox_pending', 'Source outbox rows PENDING', []);
    this.failed = metrics.gauge('analytics_user_activity_source_outbox_failed', 'Source outbox rows FAILED', []);
    this.published = metrics.gauge(
      'analytics_user_activity_source_outbox_published',
      'Source outbox rows PUBLISHED (until retention deletes them)',
      [],
    );
    this.oldestPendingAge = metrics.gauge(
      'analytics_user_activity_source_outbox_oldest_pending_age_seconds',
      'Age of the oldest PENDING source outbox row (0 when none)',
      [],
    );
  }
}
