import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';

export type IngestRequestResult = 'accepted' | 'invalid' | 'not_allowed' | 'rate_limited' | 'unavailable';

@Injectable()
export class IngestMetrics {
  readonly requests;
  readonly events;
  readonly outboxEnqueue;
  readonly tokens;

  constructor(metrics: MetricsRegistry) {
    this.requests = metrics.counter('analytics_user_activity_ingest_requests_total', 'Ingest requests by outcome', [
      'result',
    ]);
    this.events = metrics.counter('analytics_user_activity_ingest_events_total', 'Ingested events by outcome', [
      'result',
    ]);
    this.outboxEnqueue = metrics.counter(
      'analytics_user_activity_outbox_enqueue_total',
      'analytics.user-activity.outbox.enqueue: source outbox inserts by result (inserted/duplicate/fail)',
      ['result'],
    );
    this.tokens = metrics.counter(
      'analytics_user_activity_ingest_token_total',
      'Bearer tokens on the public endpoint by result (valid/missing/invalid); invalid ones are treated as anonymous',
      ['result'],
    );
  }
}
