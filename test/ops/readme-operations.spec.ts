import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { LogSignals, METRIC_GROUPS } from '@app/observability';
import { runbookMetrics } from '@app/testing';

interface Panel {
  title: string;
  panels?: Panel[];
}

const repoRoot = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const readme = read('README.md');
const operations = readme.slice(readme.indexOf('## Operations'));
const alerts = (load(read('ops/prometheus/alerts.yml')) as { groups: { rules: { alert: string }[] }[] }).groups.flatMap(
  (group) => group.rules.map((rule) => rule.alert),
);
const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
const panelTitles = new Set(
  allPanels((JSON.parse(read('ops/grafana/dashboards/user-activity.json')) as { panels: Panel[] }).panels).map(
    (panel) => panel.title,
  ),
);

/** The cells of one column of every Markdown table whose header has that column. */
function tableColumn(header: string): string[] {
  const tables: string[][] = [];
  let previous = false;
  for (const line of operations.split('\n')) {
    const row = line.startsWith('|');
    if (row && !previous) {
      tables.push([]);
    }
    if (row) {
      tables[tables.length - 1].push(line);
    }
    previous = row;
  }
  return tables.flatMap((table) => {
    const rows = table.map((line) => line.replace(/^\| | \|$/g, '').split(' | '));
    const index = rows[0].indexOf(header);
    return index < 0 ? [] : rows.slice(2).map((row) => row[index]);
  });
}

/** Metric names the apps define: every metric the groups of libs/observability declare. */
function definedMetricNames(): Set<string> {
  return new Set(METRIC_GROUPS.flatMap((group) => group.metrics).map((declaration) => declaration.options.name));
}

describe('the README Operations section', () => {
  it('has a part for each runbook step it maps: §1-1, §1-2, §1-3/§5, §2, §3, §4, §6, §8, §10', () => {
    const headings = [...operations.matchAll(/^### (.+)$/gm)].map((match) => match[1]);
    for (const section of ['§1-1', '§1-2', '§5', '§2', '§3', '§4', '§6', '§8', '§10']) {
      expect({
        section,
        found: headings.some((heading) => heading.startsWith(section) || heading.includes(`, ${section}`)),
      }).toEqual({
        section,
        found: true,
      });
    }
  });

  it('names every alert rule, and only alert rules that exist', () => {
    const named = new Set(operations.match(/\bUserActivity[A-Za-z]+\b/g));
    expect(alerts.filter((alert) => !named.has(alert))).toEqual([]);
    expect([...named].filter((name) => !alerts.includes(name))).toEqual([]);
  });

  it('cites only Grafana panels the dashboard has', () => {
    const cited = [
      ...tableColumn('Grafana panel'),
      ...tableColumn('panels').flatMap((cell) => cell.split(/, | vs /)),
      ...[...operations.matchAll(/(?<![*\w])\*([^*]+)\*(?!\*)/g)].map((match) => match[1].replace(/\s+/g, ' ')),
    ]
      .map((title) => title.trim())
      .filter((title) => title !== '—' && title !== '');
    expect(cited.length).toBeGreaterThan(15);
    expect(cited.filter((title) => !panelTitles.has(title))).toEqual([]);
  });

  it('quotes every runbook log line with its signal, and every runbook metric with its Prometheus name', () => {
    for (const { msg, signal } of Object.values(LogSignals)) {
      expect(operations).toContain(`| \`${msg}\` | \`${signal}\` |`);
    }
    for (const metric of runbookMetrics()) {
      expect(operations).toContain(`| \`${metric.runbookName}\` | \`${metric.name}`);
    }
  });

  it('mentions only metrics the apps export', () => {
    const defined = definedMetricNames();
    const signals = new Set(Object.values(LogSignals).map((signal) => signal.signal as string));
    const mentioned = [...operations.matchAll(/\b((?:analytics_user_activity|mq)_\w*)(?:\{([a-z_,]+)\})?/g)]
      .filter(([, name]) => !signals.has(name))
      // `…_outbox_{pending,failed}` names several metrics; `…_total{result}` names one with its labels.
      .flatMap(([, name, braces]) =>
        name.endsWith('_') && braces ? braces.split(',').map((part) => name + part) : [name],
      )
      .map((name) => (defined.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '')));
    expect(mentioned.length).toBeGreaterThan(20);
    expect([...new Set(mentioned)].filter((name) => !defined.has(name))).toEqual([]);
  });
});
