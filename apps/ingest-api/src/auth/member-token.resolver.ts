import { Inject, Injectable } from '@nestjs/common';
import { JwtPayload, verify, VerifyOptions } from 'jsonwebtoken';
import { APP_CONFIG } from '@app/config';
import { IngestMetrics } from '@app/observability';
import { bearerToken } from '@app/http';
import { IngestConfig } from '../ingest-api.config';

/**
 * The optional member token of the public endpoint (HS256, member id in `sub`). As in v1, a missing, expired or
 * invalid token makes the caller anonymous rather than failing the request; each case is counted. A token must
 * expire (`exp`), may be required to name `JWT_ISSUER` and `JWT_AUDIENCE`, and may live at most `JWT_MAX_AGE`
 * (`exp − iat`), so a leaked token is not a member's identity forever.
 */
@Injectable()
export class MemberTokenResolver {
  private readonly options: VerifyOptions & { complete?: false };

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    private readonly metrics: IngestMetrics,
  ) {
    this.options = {
      algorithms: ['HS256'],
      ...(config.JWT_ISSUER !== '' && { issuer: config.JWT_ISSUER }),
      ...(config.JWT_AUDIENCE !== '' && { audience: config.JWT_AUDIENCE }),
    };
  }

  resolveMemberId(authorization: string | undefined): number | null {
    const token = bearerToken(authorization);
    if (token === null) {
      this.metrics.tokens.inc({ result: 'missing' });
      return null;
    }
    const memberId = this.verify(token);
    this.metrics.tokens.inc({ result: memberId === null ? 'invalid' : 'valid' });
    return memberId;
  }

  private verify(token: string): number | null {
    if (this.config.JWT_SECRET === '') {
      return null;
    }
    let claims: JwtPayload | string;
    try {
      claims = verify(token, this.config.JWT_SECRET, this.options);
    } catch {
      return null;
    }
    if (typeof claims !== 'object' || !this.lifetimeAllowed(claims)) {
      return null;
    }
    const subject = claims.sub;
    const memberId = Number(subject);
    return subject !== undefined && /^\d+$/.test(subject) && Number.isSafeInteger(memberId) && memberId > 0
      ? memberId
      : null;
  }

  /** `verify` rejects an `exp` in the past but accepts a token without one. */
  private lifetimeAllowed(claims: JwtPayload): boolean {
    if (typeof claims.exp !== 'number') {
      return false;
    }
    const maxAgeMs = this.config.JWT_MAX_AGE;
    if (maxAgeMs === null) {
      return true;
    }
    return typeof claims.iat === 'number' && (claims.exp - claims.iat) * 1000 <= maxAgeMs;
  }
}
