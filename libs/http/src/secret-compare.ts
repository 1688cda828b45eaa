import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares hashes so neither the length nor the content of the secret leaks through timing. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header; null for any other scheme, a blank or a spaced token. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer ([^\s]+)$/.exec(header ?? '');
  return match ? match[1] : null;
}
