import { load } from 'js-yaml';
import { shortenAlertRules } from './alert-rules';

const RULES = `
groups:
  - name: g
    rules:
      - alert: A
        expr: |
          sum(rate(x_total{result="fail"}[5m])) / sum(rate(x_total[5m])) > 0.05
          and sum(rate(y_total[10m] offset 1h)) > 0
        for: 5m
        labels:
          severity: critical
      - alert: B
        expr: up == 0
`;

describe('alert rules with shortened durations', () => {
  it('divides every for, range and offset, and leaves the rest as it was', () => {
    const shortened = load(shortenAlertRules(RULES, 30)) as {
      groups: { rules: { alert: string; expr: string; for?: string; labels?: object }[] }[];
    };
    const [a, b] = shortened.groups[0].rules;
    expect(a).toEqual({
      alert: 'A',
      expr:
        'sum(rate(x_total{result="fail"}[10s])) / sum(rate(x_total[10s])) > 0.05\n' +
        'and sum(rate(y_total[20s] offset 120s)) > 0\n',
      for: '10s',
      labels: { severity: 'critical' },
    });
    expect(b).toEqual({ alert: 'B', expr: 'up == 0' });
  });

  it('never goes below one second', () => {
    expect(shortenAlertRules(RULES, 10_000)).toContain('for: 1s');
  });
});
