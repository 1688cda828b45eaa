import { Injectable } from '@nestjs/common';
import { LATENCY_BUCKETS, MetricsRegistry } from './metrics-registry';

@Injectable()
export class MqMetrics {
  readonly publishCount;
  readonly consumeCount;
  readonly consumeLatency;
  readonly endToEndLatency;

  constructor(metrics: MetricsRegistry) {
    this.publishCount = metrics.counter('mq_publish_count_total', 'mq.publish.count: publishes by result', [
      'topic',
      'provider',
      'result',
    ]);
    this.consumeCount = metrics.counter('mq_consume_count_total', 'mq.consume.count: consumed messages by result', [
      'topic',
      'provider',
      'result',
    ]);
    this.consumeLatency = metrics.histogram(
      'mq_consume_latency_seconds',
      'mq.consume.latency: time from delivery to ack',
      ['topic', 'provider'],
      LATENCY_BUCKETS,
    );
    this.endToEndLatency = metrics.histogram(
      'mq_end_to_end_latency_seconds',
      'Time from occurredAt to stored',
      ['topic', 'provider'],
      LATENCY_BUCKETS,
    );
  }
}
