import { z } from 'zod';

/** Whose events an analytics SDK key brings in (DESIGN §3): a browser or app (CLIENT) or a backend (SERVER). */
export type SdkKeySource = 'CLIENT' | 'SERVER';

/** One entry of `ANALYTICS_INGEST_SDK_KEYS`; the name goes into logs, the key never does. */
export interface SdkKey {
  name: string;
  key: string;
  source: SdkKeySource;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** What is wrong with one entry, given the entries before it; null when it is fine. */
function entryProblem(earlier: SdkKey[], name: string, key: string, source: string, rest: string[]): string | null {
  if (!NAME.test(name)) {
    return 'the name must be 1 to 64 letters, digits, "_", "." or "-"';
  }
  if (key.length === 0 || /\s/.test(key)) {
    return 'the key must be non-empty and without whitespace';
  }
  if ((source !== 'CLIENT' && source !== 'SERVER') || rest.length > 0) {
    return 'expected name:key or name:key:SERVER';
  }
  if (earlier.some((other) => other.name === name)) {
    return `the name "${name}" is used twice`;
  }
  if (earlier.some((other) => other.key === key)) {
    return `the key of "${name}" is also another entry's key`;
  }
  return null;
}

/**
 * `name:key` or `name:key:SERVER` (`:CLIENT` may be written out), comma-separated. A key cannot hold `:`, `,` or
 * whitespace; names and keys must be unique.
 */
export function parseSdkKeys(value: string, ctx: z.RefinementCtx<string>): SdkKey[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const keys: SdkKey[] = [];
  entries.forEach((entry, index) => {
    const [name = '', key = '', source = 'CLIENT', ...rest] = entry.split(':');
    const problem = entryProblem(keys, name, key, source, rest);
    if (problem !== null) {
      // Never echo the entry: it holds the key.
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1}: ${problem}` });
      return;
    }
    keys.push({ name, key, source: source as SdkKeySource });
  });
  return keys;
}
