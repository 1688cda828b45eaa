import { secretsEqual } from '@app/http';

export interface AdminToken {
  name: string;
  secret: string;
}

export const MIN_SECRET_LENGTH = 16;
const TOKEN_NAME = /^[A-Za-z0-9._@-]{1,100}$/;

/** A bad ADMIN_TOKENS entry; the message names the entry by position and never quotes a secret. */
export class AdminTokensError extends Error {
  constructor(problems: string[]) {
    super(`ADMIN_TOKENS is invalid: ${problems.join('; ')}`);
    this.name = AdminTokensError.name;
  }
}

/**
 * Parses the `name:secret` entries of ADMIN_TOKENS (split at the first colon). A name may appear twice (an old and a
 * new secret while rotating); a secret may not, or the audit log could not tell who called.
 */
export function parseAdminTokens(entries: readonly string[]): AdminToken[] {
  const problems: string[] = [];
  const tokens: AdminToken[] = [];
  entries.forEach((entry, index) => {
    const position = `entry ${index + 1}`;
    const colon = entry.indexOf(':');
    const name = colon < 0 ? '' : entry.slice(0, colon);
    const secret = colon < 0 ? '' : entry.slice(colon + 1);
    if (!TOKEN_NAME.test(name)) {
      problems.push(`${position} must be name:secret with a name of letters, digits, '.', '_', '@' or '-'`);
    } else if (secret.length < MIN_SECRET_LENGTH || /\s/.test(secret)) {
      problems.push(`${position} (${name}) needs a secret of at least ${MIN_SECRET_LENGTH} characters without spaces`);
    } else if (tokens.some((token) => token.secret === secret)) {
      problems.push(`${position} (${name}) reuses the secret of another entry`);
    } else {
      tokens.push({ name, secret });
    }
  });
  if (problems.length > 0) {
    throw new AdminTokensError(problems);
  }
  return tokens;
}

/**
 * The name of the token whose secret equals `given`, or null. Every configured secret is compared (hashes, in
 * constant time) whatever matched before, so the time taken says nothing about which entry or how much matched.
 */
export function identifyAdminToken(tokens: readonly AdminToken[], given: string): string | null {
  let found: string | null = null;
  for (const token of tokens) {
    const equal = secretsEqual(given, token.secret);
    if (equal && found === null) {
      found = token.name;
    }
  }
  return found;
}
