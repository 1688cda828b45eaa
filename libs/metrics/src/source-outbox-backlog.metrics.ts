import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';

/**
 * Source outbox backlog gauges, registered only by the app that refreshes them (outbox-relay): an app that merely
 * publishes (admin-api replay) would otherwise export them stuck at 0.
 */
@Injectable()
export class SourceOutboxBacklogMetrics {
  readonly pending;
  readonly failed;
  readonly published;
  readonly oldestPendingAge;

  constructor(metrics: MetricsRegistry) {
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
