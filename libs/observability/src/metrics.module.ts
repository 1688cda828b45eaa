import { DynamicModule, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register, Registry } from 'prom-client';
import { MetricGroup, metricGroupProviders } from './metric-declaration';
import { MetricsController } from './metrics.controller';
import { AppPrometheusOptions } from './prometheus-options.factory';

@Module({})
export class MetricsModule {
  /**
   * PrometheusModule with the `app` default label and Node's default metrics, serving `/metrics`, and the metrics
   * the given groups declare. registerAsync, because `register` collects the default metrics when the app module is
   * imported: a second app imported into the same test process would collect them twice.
   */
  static forApp(groups: MetricGroup[]): DynamicModule {
    const providers = metricGroupProviders(groups);
    return {
      module: MetricsModule,
      global: true,
      imports: [
        PrometheusModule.registerAsync({ global: true, controller: MetricsController, useClass: AppPrometheusOptions }),
      ],
      // The registry `/metrics` serves: the one PrometheusModule fills. A factory, so a test can override it with one.
      providers: [{ provide: Registry, useFactory: (): Registry => register }, ...providers],
      exports: [Registry, ...providers],
    };
  }
}
