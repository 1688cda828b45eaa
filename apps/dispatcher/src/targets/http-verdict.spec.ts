import { httpVerdict, parseRetryAfterMs } from './http-verdict';

const now = Date.parse('2026-02-20T00:00:00Z');

describe('httpVerdict', () => {
  it.each([200, 201, 204])('delivers on %i', (status) => {
    expect(httpVerdict(status, {}, '', now)).toEqual({ kind: 'delivered' });
  });

  it.each([500, 502, 503, 408, 302])('retries on %i without a Retry-After', (status) => {
    expect(httpVerdict(status, { 'retry-after': '5' }, 'oops', now)).toEqual({
      kind: 'retry',
      error: `HTTP ${status}: oops`,
      retryAfterMs: null,
    });
  });

  it('retries a 429 after its Retry-After', () => {
    expect(httpVerdict(429, { 'retry-after': '2' }, '', now)).toEqual({
      kind: 'retry',
      error: 'HTTP 429',
      retryAfterMs: 2_000,
    });
  });

  it('refuses on 400 in a way that a batch can be split to find the event PostHog could not read', () => {
    expect(httpVerdict(400, {}, 'failed to parse request: invalid uuid', now)).toEqual({
      kind: 'reject',
      error: 'HTTP 400: failed to parse request: invalid uuid',
      splittable: true,
    });
  });

  it.each([404, 405, 422])('parks the whole batch on %i', (status) => {
    expect(httpVerdict(status, {}, '{"type":"validation_error"}', now)).toEqual({
      kind: 'reject',
      error: `HTTP ${status}: {"type":"validation_error"}`,
      splittable: false,
    });
  });

  it.each([401, 403])('blames the key, not the events, on %i', (status) => {
    expect(httpVerdict(status, {}, 'API key is not valid: empty', now)).toEqual({
      kind: 'unauthorized',
      status,
      error: `HTTP ${status}: API key is not valid: empty`,
    });
  });

  it('splits on 413', () => {
    expect(httpVerdict(413, {}, '', now)).toEqual({ kind: 'split' });
  });

  it('does not take a 300 for delivered, and keeps only the first 300 characters of a long answer', () => {
    expect(httpVerdict(300, {}, 'x'.repeat(400), now)).toEqual({
      kind: 'retry',
      error: `HTTP 300: ${'x'.repeat(300)}`,
      retryAfterMs: null,
    });
  });
});

describe('parseRetryAfterMs', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfterMs('3', now)).toBe(3_000);
    expect(parseRetryAfterMs('Fri, 20 Feb 2026 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfterMs('Thu, 19 Feb 2026 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeNull();
    expect(parseRetryAfterMs(undefined, now)).toBeNull();
  });

  it('reads seconds with spaces around them, the first of repeated headers, and nothing from a blank one', () => {
    expect(parseRetryAfterMs(' 12 ', now)).toBe(12_000);
    expect(parseRetryAfterMs(['4', '9'], now)).toBe(4_000);
    expect(parseRetryAfterMs('  ', now)).toBeNull();
    expect(parseRetryAfterMs('', now)).toBeNull();
    expect(parseRetryAfterMs('5 s', now)).toBeNull();
    expect(parseRetryAfterMs('1e3', now)).toBeNull();
  });
});
