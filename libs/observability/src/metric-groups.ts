import { DeadLetterMetrics } from './dead-letter.metrics';
import { DispatchMetrics } from './dispatch.metrics';
import { IngestMetrics } from './ingest.metrics';
import { MetricGroup } from './metric-declaration';
import { MqProviderMetrics } from './mq-provider.metrics';
import { MqMetrics } from './mq.metrics';
import { SourceOutboxBacklogMetrics } from './source-outbox-backlog.metrics';
import { SourceOutboxMetrics } from './source-outbox.metrics';
import { StoreMetrics } from './store.metrics';

/** Every metric group of the apps: the test harness puts each booted app's metrics on that app's own registry. */
export const METRIC_GROUPS: readonly MetricGroup[] = [
  DeadLetterMetrics,
  DispatchMetrics,
  IngestMetrics,
  MqMetrics,
  MqProviderMetrics,
  SourceOutboxBacklogMetrics,
  SourceOutboxMetrics,
  StoreMetrics,
];
