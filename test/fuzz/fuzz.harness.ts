import fc from 'fast-check';
import { RawRequest, RawResponse, sendRaw } from './raw-http';

const soak = process.env.SOAK === '1';

/**
 * Seeded, so a failure replays with the same cases: FUZZ_SEED=<seed printed by the failing run> npx jest … .
 * SOAK=1 runs five times as many cases per property.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20_260_220);

export const FUZZ = {
  seed,
  /**
   * fast-check parameters for `cases` cases. No shrinking: the service keeps what it accepted, so a shrunk replay
   * would meet the state the first run left and fail for other reasons; the first counterexample is reported as is.
   */
  options: (cases: number) => ({ seed, numRuns: soak ? cases * 5 : cases, endOnFailure: true }),
  timeoutMs: soak ? 1_800_000 : 240_000,
};

/** Strings that have broken SQL, JSON, HTML and shell handling somewhere. */
export const SQL_LOOKING = [
  "' OR '1'='1",
  "'; DROP TABLE user_activity_event; --",
  "Robert'); DELETE FROM user_activity_source_outbox; --",
  '" OR ""="',
  '1; SELECT pg_sleep(10)',
  "$1'::jsonb",
  '%_\\',
  '\\x00',
  "E'\\\\'",
  '$$; COMMIT; $$',
  '*/ UNION SELECT * FROM admin_audit_log /*',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '1e309',
  '-0',
];

const SPECIAL_CHARACTERS = ['\u0000', '\u0001', '\u001f', '\u007f', '\u2028', '\u2029', '\ufeff', '\ud800', '\udfff'];

/** Any string a client might send: any code point, control characters, lone surrogates, SQL and markup. */
export function nastyString(maxLength = 80): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'binary-ascii', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.constantFrom(...SQL_LOOKING),
    fc
      .tuple(fc.constantFrom(...SQL_LOOKING), fc.constantFrom(...SPECIAL_CHARACTERS), fc.string({ maxLength: 5 }))
      .map((parts) => parts.join('')),
    fc.constantFrom('', ' ', '\t\n', 'x'.repeat(64), 'x'.repeat(65), 'y'.repeat(100), 'y'.repeat(101)),
  );
}

/**
 * A string every field accepts: well-formed Unicode without NUL, not blank, at most `maxLength` UTF-16 units, yet
 * full of quotes, SQL, markup and characters from every plane.
 */
export function acceptableString(maxLength: number): fc.Arbitrary<string> {
  return nastyString(maxLength)
    .map((value) => value.replaceAll('\u0000', '').slice(0, maxLength))
    .filter((value) => value.trim().length > 0 && value.isWellFormed());
}

/** Any JSON value, with nasty strings as keys and values. */
export function nastyJson(maxDepth = 4): fc.Arbitrary<unknown> {
  return fc.jsonValue({ maxDepth }).chain((shape) =>
    fc.oneof(
      fc.constant(shape),
      fc.dictionary(nastyString(20), fc.oneof(nastyString(), fc.integer(), fc.boolean(), fc.constant(null)), {
        maxKeys: 6,
      }),
    ),
  );
}

/** JSON nested `depth` levels deep, as text (arrays or objects). */
export function deepJsonText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Query strings with SQL-looking and malformed parameters, percent-encoded or raw. */
export function nastyQuery(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(''),
    fc
      .array(fc.tuple(nastyString(20), nastyString(40)), { maxLength: 4 })
      .map(
        (pairs) =>
          `?${pairs.map(([k, v]) => `${encodeURIComponent(k.toWellFormed())}=${encodeURIComponent(v.toWellFormed())}`).join('&')}`,
      ),
    fc.constantFrom(
      '?',
      '?&&',
      '?a',
      '?a=1&a=2',
      "?id=1'%20OR%20'1'='1",
      '?%',
      '?%zz',
      '?x=%00',
      '?x=%ff%fe',
      '?__proto__[x]=1',
    ),
  );
}

/** Tallies answers by status for the printed case counts. */
export class StatusTally {
  private readonly counts = new Map<number, number>();
  cases = 0;

  add(response: RawResponse): void {
    this.cases += 1;
    this.counts.set(response.status, (this.counts.get(response.status) ?? 0) + 1);
  }

  print(label: string): void {
    const statuses = [...this.counts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ');
    console.log(`[fuzz] ${label}: ${this.cases} cases (seed ${FUZZ.seed}; ${statuses})`);
  }
}

/** Sends one raw request and checks the promise every endpoint keeps while the service is up: never a 5xx. */
export async function sendExpectingNo5xx(url: string, request: RawRequest, tally: StatusTally): Promise<RawResponse> {
  const response = await sendRaw(url, request);
  tally.add(response);
  if (response.status >= 500) {
    throw new Error(`${response.status} for ${describe(request)}: ${response.body.slice(0, 300)}`);
  }
  return response;
}

function describe(request: RawRequest): string {
  return JSON.stringify({
    method: request.method,
    target: request.target,
    headers: request.headers,
    body: request.body.toString('utf8').slice(0, 500),
  });
}

export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value) ?? '', 'utf8');
}
