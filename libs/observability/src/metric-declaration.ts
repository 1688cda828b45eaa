import { FactoryProvider, Type } from '@nestjs/common';
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

/** What `make…Provider` takes: prom-client's configuration; `collect` runs at every scrape with what `inject` lists. */
export type CounterOptions = Omit<CounterConfiguration<string>, 'collect'> & MetricProviderInjectable<Counter<string>>;
export type GaugeOptions = Omit<GaugeConfiguration<string>, 'collect'> & MetricProviderInjectable<Gauge<string>>;
export type HistogramOptions = Omit<HistogramConfiguration<string>, 'collect'> &
  MetricProviderInjectable<Histogram<string>>;

/** A metric of a group: its kind and the options its provider is made from. */
export type MetricDeclaration =
  | { type: 'counter'; options: CounterOptions }
  | { type: 'gauge'; options: GaugeOptions }
  | { type: 'histogram'; options: HistogramOptions };

export function counter(options: CounterOptions): MetricDeclaration {
  return { type: 'counter', options };
}

export function gauge(options: GaugeOptions): MetricDeclaration {
  return { type: 'gauge', options };
}

export function histogram(options: HistogramOptions): MetricDeclaration {
  return { type: 'histogram', options };
}

/** An injectable that receives its metrics with `@InjectMetric`, declared once in its static `metrics`. */
export interface MetricGroup<T = unknown> extends Type<T> {
  readonly metrics: readonly MetricDeclaration[];
}

/** The provider `@InjectMetric(declaration.options.name)` resolves to. */
export function metricProvider(declaration: MetricDeclaration): FactoryProvider {
  // make…Provider types its result as any Provider; it is always a factory.
  switch (declaration.type) {
    case 'counter':
      return makeCounterProvider(declaration.options) as FactoryProvider;
    case 'gauge':
      return makeGaugeProvider(declaration.options) as FactoryProvider;
    case 'histogram':
      return makeHistogramProvider(declaration.options) as FactoryProvider;
  }
}

/** The groups themselves and the providers of the metrics they declare. */
export function metricGroupProviders(groups: readonly MetricGroup[]): (MetricGroup | FactoryProvider)[] {
  return [...groups, ...groups.flatMap((group) => group.metrics.map(metricProvider))];
}
