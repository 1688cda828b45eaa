import { Registry } from 'prom-client';
import { METRIC_GROUPS, StoreMetrics } from '@app/observability';
import { compileMetricGroups } from './app-metrics-registry';
import { parsePrometheusText } from './prometheus-text';

describe('metrics of apps booted in one test process', () => {
  it('builds every metric group from what it declares, each metric on the registry of its app', async () => {
    const metrics = await compileMetricGroups('ingest-api', [...METRIC_GROUPS]);
    const families = parsePrometheusText(await metrics.get(Registry).metrics());

    for (const declaration of METRIC_GROUPS.flatMap((group) => group.metrics)) {
      expect(families.get(declaration.options.name)).toMatchObject({
        type: declaration.type,
        help: declaration.options.help,
      });
    }
    expect(families.get('process_cpu_seconds_total')?.samples[0].labels).toEqual({ app: 'ingest-api' });
  });

  it('gives two apps their own values and their own app label', async () => {
    const first = await compileMetricGroups('event-store-consumer', [StoreMetrics]);
    const second = await compileMetricGroups('replica', [StoreMetrics]);

    first.get(StoreMetrics).events.inc({ result: 'stored' }, 2);

    const firstSamples = parsePrometheusText(await first.get(Registry).metrics()).get(
      'analytics_user_activity_store_events_total',
    )?.samples;
    const secondSamples = parsePrometheusText(await second.get(Registry).metrics()).get(
      'analytics_user_activity_store_events_total',
    )?.samples;
    expect(firstSamples).toEqual([
      {
        name: 'analytics_user_activity_store_events_total',
        labels: { result: 'stored', app: 'event-store-consumer' },
        value: 2,
      },
    ]);
    expect(secondSamples).toEqual([]);
  });
});
