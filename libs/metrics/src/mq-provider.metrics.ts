import { Injectable } from '@nestjs/common';
import { MetricsRegistry } from './metrics-registry';

/** MQ_PROVIDER of every app that has a broker, as an info gauge: an alert can name `none` (DESIGN §5). */
@Injectable()
export class MqProviderMetrics {
  readonly info;

  constructor(metrics: MetricsRegistry) {
    this.info = metrics.gauge(
      'analytics_user_activity_mq_provider_info',
      'Always 1, labelled with the MQ_PROVIDER this app runs with (rabbitmq or none)',
      ['provider'],
    );
  }
}
