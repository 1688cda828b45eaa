import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { bearerToken } from '@app/http';
import { AdminConfig } from '../admin-api.config';
import { AdminToken, identifyAdminToken, parseAdminTokens } from './admin-tokens';

/** Holds the parsed ADMIN_TOKENS; a malformed entry stops the app at start-up. */
@Injectable()
export class AdminTokenVerifier implements OnModuleInit {
  private readonly logger = new Logger(AdminTokenVerifier.name);
  private readonly tokens: AdminToken[];

  constructor(@Inject(APP_CONFIG) config: AdminConfig) {
    this.tokens = parseAdminTokens(config.ADMIN_TOKENS);
  }

  onModuleInit(): void {
    if (this.tokens.length === 0) {
      this.logger.warn({ msg: 'ADMIN_TOKENS is empty: every admin endpoint answers 401' });
    }
  }

  /** The token name for an `Authorization` header, or null for anything but a known bearer token. */
  identify(authorization: string | undefined): string | null {
    const token = bearerToken(authorization);
    return token === null ? null : identifyAdminToken(this.tokens, token);
  }
}
