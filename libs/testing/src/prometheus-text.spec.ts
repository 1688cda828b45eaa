import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { appMetricsRegistry } from './app-metrics-registry';
import { parsePrometheusText } from './prometheus-text';

describe('parsePrometheusText', () => {
  it('reads what an app registry serves: types, help, labels with escapes, histogram samples under their family', async () => {
    const registry = appMetricsRegistry('ingest-api');
    const registers = [registry];
    new Counter({ name: 'demo_requests_total', help: 'Requests', labelNames: ['result'], registers }).inc(
      { result: 'a "quoted"\\ value\nnext' },
      3,
    );
    new Gauge({ name: 'demo_backlog', help: 'Rows waiting', registers }).set(7);
    new Histogram({
      name: 'demo_latency_seconds',
      help: 'Latency',
      labelNames: ['topic'],
      buckets: [0.1, 1],
      registers,
    }).observe({ topic: 't' }, 0.5);

    const families = parsePrometheusText(await registry.metrics());

    expect(families.get('demo_requests_total')).toEqual({
      name: 'demo_requests_total',
      type: 'counter',
      help: 'Requests',
      samples: [
        { name: 'demo_requests_total', labels: { result: 'a "quoted"\\ value\nnext', app: 'ingest-api' }, value: 3 },
      ],
    });
    expect(families.get('demo_backlog')?.samples).toEqual([
      { name: 'demo_backlog', labels: { app: 'ingest-api' }, value: 7 },
    ]);
    const histogram = families.get('demo_latency_seconds');
    expect(histogram?.type).toBe('histogram');
    expect(histogram?.samples.map((sample) => [sample.name, sample.labels.le ?? null, sample.value])).toEqual([
      ['demo_latency_seconds_bucket', '0.1', 0],
      ['demo_latency_seconds_bucket', '1', 1],
      ['demo_latency_seconds_bucket', '+Inf', 1],
      ['demo_latency_seconds_sum', null, 0.5],
      ['demo_latency_seconds_count', null, 1],
    ]);
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect([...families.keys()].some((name) => name.endsWith('_bucket'))).toBe(false);
  });

  it('keeps a labelled family without samples, and rejects a line a scraper would reject', async () => {
    const registry = new Registry();
    new Counter({ name: 'never_total', help: 'Never', labelNames: ['x'], registers: [registry] });
    expect(parsePrometheusText(await registry.metrics()).get('never_total')).toMatchObject({
      type: 'counter',
      samples: [],
    });
    expect(() => parsePrometheusText('broken{a="1" 2\n')).toThrow(/bad sample line/);
  });
});
