import { dump, load } from 'js-yaml';

interface RuleFile {
  groups: { name: string; interval?: string; rules: { expr: string; for?: string; alert?: string }[] }[];
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

function seconds(amount: string, unit: string): number {
  return Number(amount) * UNIT_SECONDS[unit];
}

function shorten(amount: string, unit: string, factor: number): string {
  return `${Math.max(1, Math.ceil(seconds(amount, unit) / factor))}s`;
}

/**
 * The alert rules with every duration divided by `factor` (at least 1 s): each rule's `for`, and the range
 * selectors and offsets of its expression. A test can then watch the real rules fire and resolve within seconds.
 */
export function shortenAlertRules(rulesYaml: string, factor: number): string {
  const file = load(rulesYaml) as RuleFile;
  for (const group of file.groups) {
    for (const rule of group.rules) {
      rule.expr = rule.expr
        .replace(/\[(\d+)([smhd])\]/g, (_, amount: string, unit: string) => `[${shorten(amount, unit, factor)}]`)
        .replace(
          /offset (\d+)([smhd])\b/g,
          (_, amount: string, unit: string) => `offset ${shorten(amount, unit, factor)}`,
        );
      const duration = rule.for === undefined ? null : /^(\d+)([smhd])$/.exec(rule.for);
      if (duration !== null) {
        rule.for = shorten(duration[1], duration[2], factor);
      }
    }
  }
  return dump(file, { lineWidth: -1 });
}
