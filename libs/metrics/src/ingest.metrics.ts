import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';

export type IngestRequestResult = 'accepted' | 'invalid' | 'not_allowed' | 'rate_limited' | 'unavailable';

/**
 * Which endpoint a request came through: the public one (`client`) or the service-to-service one (`server`);
 * `unknown` for a request refused at the HTTP edge before its endpoint was matched to it (unreadable body, fields).
 */
export type IngestSource = 'client' | 'server' | 'unknown';

@Injectable()
export class IngestMetrics {
  readonly requests;
  readonly events;
  readonly outboxEnqueue;
  readonly tokens;

  constructor(metrics: MetricsRegistry) {
    this.requests = metrics.counter(
      'analytics_user_activity_ingest_requests_total',
      'Ingest requests by outcome and source (client/server)',
      ['result', 'source'],
    );
    this.events = metrics.counter(
      'analytics_user_activity_ingest_events_total',
      'Ingested events by outcome and source (client/server)',
      ['result', 'source'],
    );
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
