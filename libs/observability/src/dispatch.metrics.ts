import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { counter, gauge, MetricDeclaration } from './metric-declaration';

@Injectable()
export class DispatchMetrics {
  static readonly metrics: readonly MetricDeclaration[] = [
    counter({
      name: 'analytics_user_activity_dispatch_execute_total',
      help: 'analytics.user-activity.dispatch.execute: events sent to a target by result',
      labelNames: ['result', 'target'],
    }),
    counter({
      name: 'analytics_user_activity_dispatch_retry_total',
      help: 'analytics.user-activity.dispatch.retry: dispatch retries scheduled',
      labelNames: ['result', 'target'],
    }),
    counter({
      name: 'analytics_user_activity_dispatch_unauthorized_total',
      help: 'Events a target refused with 401 or 403: its API key or project is wrong; they are retried, never parked',
      labelNames: ['status', 'target'],
    }),
    counter({
      name: 'analytics_user_activity_dispatch_circuit_total',
      help: 'analytics.user-activity.dispatch.circuit: breaker transitions by the state entered; state="open" counts openings',
      labelNames: ['state', 'target'],
    }),
    counter({
      name: 'analytics_user_activity_dispatch_circuit_skipped_total',
      help: 'Dispatch loop turns that sent nothing because the breaker was open',
      labelNames: ['target'],
    }),
    gauge({
      name: 'analytics_user_activity_dispatch_circuit_state',
      help: 'Breaker state per target: 0 closed, 1 open, 2 half-open',
      labelNames: ['target'],
    }),
    gauge({
      name: 'analytics_user_activity_dispatch_outbox_pending',
      help: 'Dispatch outbox rows PENDING',
      labelNames: ['target'],
    }),
    gauge({
      name: 'analytics_user_activity_dispatch_outbox_failed',
      help: 'Dispatch outbox rows FAILED',
      labelNames: ['target'],
    }),
  ];

  constructor(
    @InjectMetric('analytics_user_activity_dispatch_execute_total')
    readonly execute: Counter<'result' | 'target'>,
    @InjectMetric('analytics_user_activity_dispatch_retry_total')
    readonly retry: Counter<'result' | 'target'>,
    @InjectMetric('analytics_user_activity_dispatch_unauthorized_total')
    readonly unauthorized: Counter<'status' | 'target'>,
    @InjectMetric('analytics_user_activity_dispatch_circuit_total')
    readonly circuit: Counter<'state' | 'target'>,
    @InjectMetric('analytics_user_activity_dispatch_circuit_skipped_total')
    readonly circuitSkipped: Counter<'target'>,
    @InjectMetric('analytics_user_activity_dispatch_circuit_state')
    readonly circuitState: Gauge<'target'>,
    @InjectMetric('analytics_user_activity_dispatch_outbox_pending')
    readonly pending: Gauge<'target'>,
    @InjectMetric('analytics_user_activity_dispatch_outbox_failed')
    readonly failed: Gauge<'target'>,
  ) {}
}
