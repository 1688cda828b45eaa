import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';

@Injectable()
export class DispatchMetrics {
  readonly execute;
  readonly retry;
  readonly unauthorized;
  readonly circuit;
  readonly circuitSkipped;
  readonly circuitState;
  readonly pending;
  readonly failed;

  constructor(metrics: MetricsRegistry) {
    this.execute = metrics.counter(
      'analytics_user_activity_dispatch_execute_total',
      'analytics.user-activity.dispatch.execute: events sent to a target by result',
      ['result', 'target'],
    );
    this.retry = metrics.counter(
      'analytics_user_activity_dispatch_retry_total',
      'analytics.user-activity.dispatch.retry: dispatch retries scheduled',
      ['result', 'target'],
    );
    this.unauthorized = metrics.counter(
      'analytics_user_activity_dispatch_unauthorized_total',
      'Events a target refused with 401 or 403: its API key or project is wrong; they are retried, never parked',
      ['status', 'target'],
    );
    this.circuit = metrics.counter(
      'analytics_user_activity_dispatch_circuit_total',
      'analytics.user-activity.dispatch.circuit: breaker transitions by the state entered; state="open" counts openings',
      ['state', 'target'],
    );
    this.circuitSkipped = metrics.counter(
      'analytics_user_activity_dispatch_circuit_skipped_total',
      'Dispatch loop turns that sent nothing because the breaker was open',
      ['target'],
    );
    this.circuitState = metrics.gauge(
      'analytics_user_activity_dispatch_circuit_state',
      'Breaker state per target: 0 closed, 1 open, 2 half-open',
      ['target'],
    );
    this.pending = metrics.gauge('analytics_user_activity_dispatch_outbox_pending', 'Dispatch outbox rows PENDING', [
      'target',
    ]);
    this.failed = metrics.gauge('analytics_user_activity_dispatch_outbox_failed', 'Dispatch outbox rows FAILED', [
      'target',
    ]);
  }
}
