import { IncomingHttpHeaders } from 'node:http';

/** How the loop treats an HTTP answer of a batch endpoint (DESIGN §8). */
export type HttpVerdict =
  | { kind: 'delivered' }
  | { kind: 'retry'; error: string; retryAfterMs: number | null }
  | { kind: 'unauthorized'; status: number; error: string }
  | { kind: 'reject'; error: string; splittable: boolean }
  | { kind: 'split' };

const RETRYABLE_4XX = new Set([408, 429]);
/** The key or the project is wrong, not the events: every event would get the same answer. */
const UNAUTHORIZED = new Set([401, 403]);

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`; null when absent or unreadable. */
export function parseRetryAfterMs(value: string | string[] | undefined, now: number): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') {
    return null;
  }
  if (/^\d+$/.test(text.trim())) {
    return Number(text.trim()) * 1_000;
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export function httpVerdict(status: number, headers: IncomingHttpHeaders, body: string, now: number): HttpVerdict {
  if (status >= 200 && status < 300) {
    return { kind: 'delivered' };
  }
  const error = `HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ''}`;
  if (status === 413) {
    return { kind: 'split' };
  }
  if (UNAUTHORIZED.has(status)) {
    return { kind: 'unauthorized', status, error };
  }
  if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
    // PostHog answers 400 to a whole batch for one event it cannot read: halving isolates that event.
    return { kind: 'reject', error, splittable: status === 400 };
  }
  // 5xx, 408, 429, and anything unexpected (1xx/3xx) are treated as the target being unwell, not the events.
  return { kind: 'retry', error, retryAfterMs: status === 429 ? parseRetryAfterMs(headers['retry-after'], now) : null };
}
