import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { gauge, MetricDeclaration } from './metric-declaration';

/** MQ_PROVIDER of every app that has a broker, as an info gauge: an alert can name `none` (DESIGN §5). */
@Injectable()
export class MqProviderMetrics {
  static readonly metrics: readonly MetricDeclaration[] = [
    gauge({
      name: 'analytics_user_activity_mq_provider_info',
      help: 'Always 1, labelled with the MQ_PROVIDER this app runs with (rabbitmq or none)',
      labelNames: ['provider'],
    }),
  ];

  constructor(@InjectMetric('analytics_user_activity_mq_provider_info') readonly info: Gauge<'provider'>) {}
}
