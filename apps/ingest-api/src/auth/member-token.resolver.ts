import { Inject, Injectable } from '@nestjs/common';
import { verify } from 'jsonwebtoken';
import { APP_CONFIG, IngestConfig } from '@app/config';
import { IngestMetrics } from '@app/metrics';
import { bearerToken } from '@app/http';

/**
 * The optional member token of the public endpoint (HS256, member id in `sub`). As in v1, a missing, expired or
 * invalid token makes the caller anonymous rather than failing the request; each case is counted.
 */
@Injectable()
export class MemberTokenResolver {
  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    private readonly metrics: IngestMetrics,
  ) {}

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
    try {
      const claims = verify(token, this.config.JWT_SECRET, { algorithms: ['HS256'] });
      const subject = typeof claims === 'object' ? claims.sub : undefined;
      const memberId = Number(subject);
      return subject !== undefined && /^\d+$/.test(subject) && Number.isSafeInteger(memberId) && memberId > 0
        ? memberId
        : null;
    } catch {
      return null;
    }
  }
}
