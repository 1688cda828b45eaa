import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { counter, MetricDeclaration } from './metric-declaration';

@Injectable()
export class StoreMetrics {
  static readonly metrics: readonly MetricDeclaration[] = [
    counter({
      name: 'analytics_user_activity_store_events_total',
      help: 'Events written to user_activity_event by result (stored/duplicate)',
      labelNames: ['result'],
    }),
    counter({
      name: 'analytics_user_activity_dispatch_enqueue_total',
      help: 'analytics.user-activity.dispatch.enqueue: dispatch outbox inserts by result and target',
      labelNames: ['result', 'target'],
    }),
  ];

  constructor(
    @InjectMetric('analytics_user_activity_store_events_total') readonly events: Counter<'result'>,
    @InjectMetric('analytics_user_activity_dispatch_enqueue_total')
    readonly dispatchEnqueue: Counter<'result' | 'target'>,
  ) {}
}
