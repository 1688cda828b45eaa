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
    const problem = !NAME.test(name)
      ? 'the name must be 1 to 64 letters, digits, "_", "." or "-"'
      : key.length === 0 || /\s/.test(key)
        ? 'the key must be non-empty and without whitespace'
        : (source !== 'CLIENT' && source !== 'SERVER') || rest.length > 0
          ? 'expected name:key or name:key:SERVER'
          : keys.some((other) => other.name === name)
            ? `the name "${name}" is used twice`
            : keys.some((other) => other.key === key)
              ? `the key of "${name}" is also another entry's key`
              : null;
    if (problem !== null) {
      // Never echo the entry: it holds the key.
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1}: ${problem}` });
      return;
    }
    keys.push({ name, key, source: source as SdkKeySource });
  });
  return keys;
}
