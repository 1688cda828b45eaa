import { Inject, Injectable } from '@nestjs/common';
import { PrometheusOptions, PrometheusOptionsFactory } from '@willsoto/nestjs-prometheus';
import { APP_NAME } from '@app/config';

/** Every metric carries `app`; Node's default metrics come along (prom-client's registry: one app per process). */
@Injectable()
export class AppPrometheusOptions implements PrometheusOptionsFactory {
  constructor(@Inject(APP_NAME) private readonly appName: string) {}

  createPrometheusOptions(): PrometheusOptions {
    return { defaultLabels: { app: this.appName }, defaultMetrics: { enabled: true } };
  }
}
