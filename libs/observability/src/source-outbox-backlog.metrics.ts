import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { gauge, MetricDeclaration } from './metric-declaration';

/**
 * Source outbox backlog gauges, registered only by the app that refreshes them (outbox-relay): an app that merely
 * publishes (admin-api replay) would otherwise export them stuck at 0.
 */
@Injectable()
export class SourceOutboxBacklogMetrics {
  static readonly metrics: readonly MetricDeclaration[] = [
    gauge({ name: 'analytics_user_activity_source_outbox_pending', help: 'Source outbox rows PENDING' }),
    gauge({ name: 'analytics_user_activity_source_outbox_failed', help: 'Source outbox rows FAILED' }),
    gauge({
      name: 'analytics_user_activity_source_outbox_published',
      help: 'Source outbox rows PUBLISHED (until retention deletes them)',
    }),
    gauge({
      name: 'analytics_user_activity_source_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest PENDING source outbox row (0 when none)',
    }),
  ];

  constructor(
    @InjectMetric('analytics_user_activity_source_outbox_pending') readonly pending: Gauge,
    @InjectMetric('analytics_user_activity_source_outbox_failed') readonly failed: Gauge,
    @InjectMetric('analytics_user_activity_source_outbox_published') readonly published: Gauge,
    @InjectMetric('analytics_user_activity_source_outbox_oldest_pending_age_seconds') readonly oldestPendingAge: Gauge,
  ) {}
}
