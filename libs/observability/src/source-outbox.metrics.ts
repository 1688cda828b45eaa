import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { counter, MetricDeclaration } from './metric-declaration';

@Injectable()
export class SourceOutboxMetrics {
  static readonly metrics: readonly MetricDeclaration[] = [
    counter({
      name: 'analytics_user_activity_outbox_publish_total',
      help: 'analytics.user-activity.outbox.publish: source outbox publishes by result',
      labelNames: ['result'],
    }),
    counter({
      name: 'analytics_user_activity_outbox_retry_total',
      help: 'analytics.user-activity.outbox.retry: source outbox retries scheduled',
      labelNames: ['result'],
    }),
  ];

  constructor(
    @InjectMetric('analytics_user_activity_outbox_publish_total') readonly publish: Counter<'result'>,
    @InjectMetric('analytics_user_activity_outbox_retry_total') readonly retry: Counter<'result'>,
  ) {}
}
