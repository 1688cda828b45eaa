import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { adminSchema } from '../admin-api.config';
import { AdminTokensError, identifyAdminToken, parseAdminTokens } from './admin-tokens';

describe('ADMIN_TOKENS', () => {
  it('parses name:secret pairs, splitting at the first colon', () => {
    expect(parseAdminTokens(['ops:0123456789abcdef', 'on-call.kr:abc:def:ghi:jklmnopq'])).toEqual([
      { name: 'ops', secret: '0123456789abcdef' },
      { name: 'on-call.kr', secret: 'abc:def:ghi:jklmnopq' },
    ]);
    expect(parseAdminTokens([])).toEqual([]);
  });

  it('refuses malformed entries without quoting any secret', () => {
    const secret = 'short-secret';
    const attempt = () =>
      parseAdminTokens(['ops:0123456789abcdef', `no-colon${secret}`, `sre:${secret}`, ':0123456789abcdefgh']);
    expect(attempt).toThrow(AdminTokensError);
    expect(attempt).toThrow(/entry 2 .*; entry 3 \(sre\) needs a secret of at least 16 characters.*; entry 4 /);
    expect(attempt).not.toThrow(new RegExp(secret));
  });

  it('refuses two names sharing one secret but allows one name with two secrets (rotation)', () => {
    expect(() => parseAdminTokens(['a:0123456789abcdef', 'b:0123456789abcdef'])).toThrow(/entry 2 \(b\) reuses/);
    expect(parseAdminTokens(['ops:0123456789abcdef', 'ops:fedcba9876543210'])).toHaveLength(2);
  });

  it('names the token whose secret matches exactly, and nothing for anything else', () => {
    const tokens = parseAdminTokens(['ops:0123456789abcdef', 'sre:fedcba9876543210']);
    expect(identifyAdminToken(tokens, 'fedcba9876543210')).toBe('sre');
    expect(identifyAdminToken(tokens, '0123456789abcdef')).toBe('ops');
    for (const wrong of ['', '0123456789abcde', '0123456789abcdefX', 'ops:0123456789abcdef', 'ops']) {
      expect(identifyAdminToken(tokens, wrong)).toBeNull();
    }
    expect(identifyAdminToken([], '0123456789abcdef')).toBeNull();
  });
});

describe('the ADMIN_TOKENS examples of .env.example', () => {
  const example = readFileSync(join(__dirname, '../../../../.env.example'), 'utf8');
  const examples = [...example.matchAll(/^#\s*ADMIN_TOKENS=(\S+)$/gm)].map((match) => match[1]);

  it('are accepted at start-up as they are printed', () => {
    expect(examples.length).toBeGreaterThan(0);
    for (const value of examples) {
      expect(parseAdminTokens(loadConfig(adminSchema, { ADMIN_TOKENS: value }).ADMIN_TOKENS)).toHaveLength(2);
    }
  });
});
