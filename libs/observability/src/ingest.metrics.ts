import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { counter, MetricDeclaration } from './metric-declaration';

export type IngestRequestResult = 'accepted' | 'invalid' | 'not_allowed' | 'rate_limited' | 'unavailable';

/** Which intake a request came through: the native JSON endpoints, or an analytics SDK's (DESIGN §3). */
export type IngestRoute = 'native' | 'posthog' | 'segment';

/**
 * Whose events a request carried: a client's (the public endpoint, an SDK's CLIENT key) or a service's (the
 * service-to-service endpoint, an SDK's SERVER key); `unknown` for a request refused before that was known
 * (unreadable body, fields, a missing or unknown SDK key).
 */
export type IngestSource = 'client' | 'server' | 'unknown';

/** The labels every ingest request and event counter carries besides its result. */
export interface IngestLabels {
  source: IngestSource;
  route: IngestRoute;
}

@Injectable()
export class IngestMetrics {
  static readonly metrics: readonly MetricDeclaration[] = [
    counter({
      name: 'analytics_user_activity_ingest_requests_total',
      help: 'Ingest requests by outcome, source (client/server) and route (native/posthog/segment)',
      labelNames: ['result', 'source', 'route'],
    }),
    counter({
      name: 'analytics_user_activity_ingest_events_total',
      help: 'Ingested events by outcome, source and route; SDK routes also count the events they skip (invalid/not_allowed/rate_limited)',
      labelNames: ['result', 'source', 'route'],
    }),
    counter({
      name: 'analytics_user_activity_outbox_enqueue_total',
      // The runbook's §1-2 tags (result only); the route split is on ingest_events_total.
      help: 'analytics.user-activity.outbox.enqueue: source outbox inserts by result (inserted/duplicate/fail)',
      labelNames: ['result'],
    }),
    counter({
      name: 'analytics_user_activity_ingest_token_total',
      help: 'Bearer tokens on the public endpoint by result (valid/missing/invalid); invalid ones are treated as anonymous',
      labelNames: ['result'],
    }),
    counter({
      name: 'analytics_user_activity_ingest_sdk_key_requests_total',
      help: "SDK route requests with a known key, by the key's name (never the key), route and outcome",
      labelNames: ['key', 'route', 'result'],
    }),
  ];

  constructor(
    @InjectMetric('analytics_user_activity_ingest_requests_total')
    readonly requests: Counter<'result' | 'source' | 'route'>,
    @InjectMetric('analytics_user_activity_ingest_events_total')
    readonly events: Counter<'result' | 'source' | 'route'>,
    @InjectMetric('analytics_user_activity_outbox_enqueue_total')
    readonly outboxEnqueue: Counter<'result'>,
    @InjectMetric('analytics_user_activity_ingest_token_total')
    readonly tokens: Counter<'result'>,
    @InjectMetric('analytics_user_activity_ingest_sdk_key_requests_total')
    readonly sdkKeyRequests: Counter<'key' | 'route' | 'result'>,
  ) {}
}
