export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

/** Counts requests per key in fixed windows; in memory per replica, or shared through PostgreSQL. */
export interface RateLimitStore {
  /** Records one request in the window starting at `windowStart` and returns the window's count including it. */
  increment(key: string, windowStart: number, windowMs: number): Promise<number>;
}
