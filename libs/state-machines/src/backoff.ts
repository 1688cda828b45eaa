/** v1's retry delay: min(max, base × 2^retryCount), in milliseconds. */
export function backoffDelayMs(retryCount: number, baseMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(retryCount, 0), 30);
  return Math.min(maxMs, baseMs * 2 ** exponent);
}
