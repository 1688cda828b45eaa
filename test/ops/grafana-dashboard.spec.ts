import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { METRIC_GROUPS } from '@app/observability';

interface Panel {
  type: string;
  title: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

const repoRoot = join(__dirname, '..', '..');
const dashboard = JSON.parse(readFileSync(join(repoRoot, 'ops/grafana/dashboards/user-activity.json'), 'utf8')) as {
  panels: Panel[];
};
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];
const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'atan2', 'bool', 'offset', 'inf', 'nan']);

/** The names the apps define: every metric the groups of libs/observability declare. */
function appMetricNames(): { name: string; histogram: boolean }[] {
  return METRIC_GROUPS.flatMap((group) => group.metrics).map((declaration) => ({
    name: declaration.options.name,
    histogram: declaration.type === 'histogram',
  }));
}

/** Node's default metrics, which every app registers as well. */
async function defaultMetricNames(): Promise<{ name: string; histogram: boolean }[]> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = await registry.getMetricsAsJSON();
  registry.clear();
  return metrics.map((metric) => ({ name: metric.name, histogram: String(metric.type) === 'histogram' }));
}

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  return [...stripped.matchAll(/\d[\w.]*|[a-zA-Z_:][\w:]*/g)]
    .filter((match) => !/^\d/.test(match[0]) && !/^\s*\(/.test(stripped.slice(match.index + match[0].length)))
    .map((match) => match[0])
    .filter((word) => !PROMQL_KEYWORDS.has(word.toLowerCase()));
}

const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);

describe('the Grafana dashboard', () => {
  const panels = allPanels(dashboard.panels).filter((panel) => panel.type !== 'row');
  const queries = panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel, expr: target.expr ?? '' })),
  );
  const used = new Set(queries.flatMap(({ expr }) => metricNamesIn(expr)));
  let exported: Set<string>;

  beforeAll(async () => {
    const known = [...appMetricNames(), ...(await defaultMetricNames())];
    exported = new Set(
      known.flatMap(({ name, histogram }) => [name, ...(histogram ? HISTOGRAM_SUFFIXES.map((s) => name + s) : [])]),
    );
  });

  it('shows panels, each with at least one query', () => {
    expect(panels.length).toBeGreaterThan(0);
    for (const panel of panels) {
      const hasQuery = panel.targets?.some((target) => target.expr) ?? false;
      expect({ panel: panel.title, hasQuery }).toEqual({ panel: panel.title, hasQuery: true });
    }
  });

  it('queries only metrics the apps export', () => {
    expect(appMetricNames().length).toBeGreaterThan(10);
    for (const { panel, expr } of queries) {
      const names = metricNamesIn(expr);
      expect(names.length).toBeGreaterThan(0);
      const unknown = names.filter((name) => !exported.has(name));
      expect({ panel: panel.title, unknown }).toEqual({ panel: panel.title, unknown: [] });
    }
  });

  it('charts every metric of the pipeline', () => {
    const missing = appMetricNames()
      .filter(({ name }) => ![name, ...HISTOGRAM_SUFFIXES.map((s) => name + s)].some((variant) => used.has(variant)))
      .map(({ name }) => name);
    expect(missing).toEqual([]);
  });

  it('orders its rows as the runbook detects: ingest, source outbox, MQ, store, dispatch', () => {
    const rows = dashboard.panels.filter((panel) => panel.type === 'row').map((row) => row.title.toLowerCase());
    const positions = ['ingest', 'source outbox', 'mq', 'store', 'dispatch'].map((stage) =>
      rows.findIndex((title) => title.includes(stage)),
    );
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});
