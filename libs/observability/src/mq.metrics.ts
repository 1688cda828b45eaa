import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { counter, histogram, MetricDeclaration } from './metric-declaration';

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

@Injectable()
export class MqMetrics {
  static readonly metrics: readonly MetricDeclaration[] = [
    counter({
      name: 'mq_publish_count_total',
      help: 'mq.publish.count: publishes by result',
      labelNames: ['topic', 'provider', 'result'],
    }),
    counter({
      name: 'mq_consume_count_total',
      help: 'mq.consume.count: consumed messages by result',
      labelNames: ['topic', 'provider', 'result'],
    }),
    histogram({
      name: 'mq_consume_latency_seconds',
      help: 'mq.consume.latency: time from delivery to ack',
      labelNames: ['topic', 'provider'],
      buckets: LATENCY_BUCKETS,
    }),
    histogram({
      name: 'mq_end_to_end_latency_seconds',
      help: 'Time from occurredAt to stored',
      labelNames: ['topic', 'provider'],
      buckets: LATENCY_BUCKETS,
    }),
  ];

  constructor(
    @InjectMetric('mq_publish_count_total') readonly publishCount: Counter<'topic' | 'provider' | 'result'>,
    @InjectMetric('mq_consume_count_total') readonly consumeCount: Counter<'topic' | 'provider' | 'result'>,
    @InjectMetric('mq_consume_latency_seconds') readonly consumeLatency: Histogram<'topic' | 'provider'>,
    @InjectMetric('mq_end_to_end_latency_seconds') readonly endToEndLatency: Histogram<'topic' | 'provider'>,
  ) {}
}
