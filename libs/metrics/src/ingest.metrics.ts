import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';

export type IngestRequestResult = 'accepted' | 'invalid' | 'not_allowed' | 'rate_limited' | 'unavailable';

/** Which intake a request came through: the native JSON endpoints, or an analytics SDK's (DESIGN §3). */
export type IngestRoute = 'native' | 'posthog' | 'segment';

@Injectable()
export class IngestMetrics {
  readonly requests;
  readonly events;
  readonly outboxEnqueue;
  readonly tokens;

  constructor(metrics: MetricsRegistry) {
    this.requests = metrics.counter(
      'analytics_user_activity_ingest_requests_total',
      'Ingest requests by outcome and route (native/posthog/segment)',
      ['result', 'route'],
    );
    this.events = metrics.counter(
      'analytics_user_activity_ingest_events_total',
      'Ingested events by outcome and route; SDK routes also count the events they skip (invalid/not_allowed/rate_limited)',
      ['result', 'route'],
    );
    this.outboxEnqueue = metrics.counter(
      'analytics_user_activity_outbox_enqueue_total',
      'analytics.user-activity.outbox.enqueue: source outbox inserts by result (inserted/duplicate/fail) and route',
      ['result', 'route'],
    );
    this.tokens = metrics.counter(
      'analytics_user_activity_ingest_token_total',
      'Bearer tokens on the public endpoint by result (valid/missing/invalid); invalid ones are treated as anonymous',
      ['result'],
    );
  }
}
