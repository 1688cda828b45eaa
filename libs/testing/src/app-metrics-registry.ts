import { Test, TestingModule, TestingModuleBuilder } from '@nestjs/testing';
import { getToken } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register, Registry } from 'prom-client';
import { APP_NAME } from '@app/config';
import {
  AppPrometheusOptions,
  counter,
  gauge,
  histogram,
  METRIC_GROUPS,
  MetricDeclaration,
  MetricGroup,
  metricGroupProviders,
  metricProvider,
} from '@app/observability';

/** A registry like the one an app serves in production, from the app's own PrometheusModule options. */
export function appMetricsRegistry(appName: string): Registry {
  const { defaultLabels = {}, defaultMetrics } = new AppPrometheusOptions(appName).createPrometheusOptions();
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  if (defaultMetrics?.enabled) {
    collectDefaultMetrics({ ...defaultMetrics.config, register: registry });
  }
  return registry;
}

/**
 * A production process runs one app, whose metrics PrometheusModule keeps on prom-client's global registry. A test
 * process boots several apps, so each gets its own registry instead: PrometheusModule leaves the global one alone,
 * every metric a group of METRIC_GROUPS declares is built on the app's registry, and the app's `/metrics` serves it.
 */
export function withOwnMetricsRegistry(builder: TestingModuleBuilder): TestingModuleBuilder {
  builder
    .overrideProvider(AppPrometheusOptions)
    .useValue({ createPrometheusOptions: () => ({ defaultMetrics: { enabled: false } }) })
    .overrideProvider(Registry)
    .useFactory({ factory: appMetricsRegistry, inject: [APP_NAME] });
  for (const declaration of METRIC_GROUPS.flatMap((group) => group.metrics)) {
    // The library makes a metric only when prom-client's global registry lacks it, which in tests it always does.
    const { inject = [] } = metricProvider(declaration);
    builder.overrideProvider(getToken(declaration.options.name)).useFactory({
      factory: (registry: Registry, ...dependencies: unknown[]): unknown =>
        metricProvider(onRegistry(declaration, registry)).useFactory(...dependencies),
      inject: [Registry, ...inject],
    });
  }
  return builder;
}

/** Fails when a booted app put a metric on the global registry: one no group in METRIC_GROUPS declares. */
export async function assertGlobalRegistryUnused(): Promise<void> {
  const names = (await register.getMetricsAsJSON()).map((metric) => metric.name);
  if (names.length > 0) {
    throw new Error(
      `metrics outside METRIC_GROUPS of @app/observability, left on the global registry: ${names.join(', ')}`,
    );
  }
}

/** Metric groups as an app gets them, on their own registry labelled `appName`: for tests below an app. */
export async function compileMetricGroups(appName: string, groups: MetricGroup[]): Promise<TestingModule> {
  const builder = Test.createTestingModule({
    providers: [
      { provide: APP_NAME, useValue: appName },
      { provide: Registry, useFactory: (): Registry => register },
      ...metricGroupProviders(groups),
    ],
  });
  return withOwnMetricsRegistry(builder).compile();
}

/** The declared metric, made by its `make…Provider` as in production, but registered on `registry`. */
function onRegistry(declaration: MetricDeclaration, registry: Registry): MetricDeclaration {
  const registers = [registry];
  switch (declaration.type) {
    case 'counter':
      return counter({ ...declaration.options, registers });
    case 'gauge':
      return gauge({ ...declaration.options, registers });
    case 'histogram':
      return histogram({ ...declaration.options, registers });
  }
}
