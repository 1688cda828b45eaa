import proxyAddr from 'proxy-addr';
import { z } from 'zod';
import { parseIsoDuration } from './iso-duration';

/** Reusable zod fields for env variables: every value arrives as a string. */
export const env = {
  string: (fallback: string) => z.string().default(fallback),
  optionalString: () => z.string().default(''),
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((value) => value === 'true' || value === '1'),
  durationMs: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((value, ctx) => {
        const ms = parseIsoDuration(value);
        if (ms === null) {
          ctx.addIssue({ code: 'custom', message: `expected an ISO-8601 duration such as PT10S, got "${value}"` });
          return z.NEVER;
        }
        return ms;
      }),
  /** An ISO-8601 duration in milliseconds, or null when unset. */
  optionalDurationMs: () =>
    z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined) {
          return null;
        }
        const ms = parseIsoDuration(value);
        if (ms === null) {
          ctx.addIssue({ code: 'custom', message: `expected an ISO-8601 duration such as PT1H, got "${value}"` });
          return z.NEVER;
        }
        return ms;
      }),
  url: (fallback: string, protocols: string[]) =>
    z
      .string()
      .default(fallback)
      .refine((value) => protocols.some((protocol) => value.startsWith(`${protocol}://`)), {
        message: `expected a ${protocols.join(' or ')} URL`,
      }),
  list: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((value) =>
        value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item.length > 0),
      ),
  /**
   * Which peers are proxies whose `X-Forwarded-For` is believed: a number of hops, or addresses, CIDRs and the names
   * `loopback`, `linklocal`, `uniquelocal` (as Express's `trust proxy`); unset trusts none.
   */
  trustProxy: () =>
    z
      .string()
      .default('')
      .transform((value, ctx): number | string[] => {
        if (/^\d+$/.test(value.trim())) {
          return Number(value.trim());
        }
        const entries = value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item.length > 0);
        try {
          proxyAddr.compile(entries);
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            message: `expected a hop count or addresses and CIDRs: ${(error as Error).message}`,
          });
          return z.NEVER;
        }
        return entries;
      }),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
    z.enum(values).default(fallback as never),
};
