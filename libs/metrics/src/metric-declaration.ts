import { Provider, Type } from '@nestjs/common';
import {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
  MetricProviderInjectable,
} from '@willsoto/nestjs-prometheus';
import type {
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
} from 'prom-client';

/**
 * A metric as `make…Provider` takes it, tagged with its kind. `collect`, when given, runs at every scrape with the
 * providers listed in `inject`.
 */
export type MetricDeclaration =
  | ({ type: 'counter' } & Omit<CounterConfiguration<string>, 'collect'> & MetricProviderInjectable<Counter<string>>)
  | ({ type: 'gauge' } & Omit<GaugeConfiguration<string>, 'collect'> & MetricProviderInjectable<Gauge<string>>)
  | ({ type: 'histogram' } & Omit<HistogramConfiguration<string>, 'collect'> &
      MetricProviderInjectable<Histogram<string>>);

/** An injectable that receives its metrics with `@InjectMetric`, declared once in its static `metrics`. */
export interface MetricGroup<T = unknown> extends Type<T> {
  readonly metrics: readonly MetricDeclaration[];
}

/** The provider `@InjectMetric(declaration.name)` resolves to. */
export function metricProvider(declaration: MetricDeclaration): Provider {
  switch (declaration.type) {
    case 'counter': {
      const { type: _counter, ...options } = declaration;
      return makeCounterProvider(options);
    }
    case 'gauge': {
      const { type: _gauge, ...options } = declaration;
      return makeGaugeProvider(options);
    }
    case 'histogram': {
      const { type: _histogram, ...options } = declaration;
      return makeHistogramProvider(options);
    }
  }
}

/** The groups themselves and the providers of the metrics they declare. */
export function metricGroupProviders(groups: readonly MetricGroup[]): Provider[] {
  return [...groups, ...groups.flatMap((group) => group.metrics.map(metricProvider))];
}
