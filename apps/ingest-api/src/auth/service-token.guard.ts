import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG } from '@app/config';
import { ApiError, bearerToken, secretsEqual } from '@app/http';
import { IngestConfig } from '../ingest-api.config';

/** The service-to-service endpoint needs `Authorization: Bearer <INGEST_SERVICE_TOKEN>`; unset token = closed. */
@Injectable()
export class ServiceTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: IngestConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const token = bearerToken(context.switchToHttp().getRequest<FastifyRequest>().headers.authorization);
    if (
      this.config.INGEST_SERVICE_TOKEN === '' ||
      token === null ||
      !secretsEqual(token, this.config.INGEST_SERVICE_TOKEN)
    ) {
      throw new ApiError(401, 'UNAUTHORIZED', '인증이 필요합니다.');
    }
    return true;
  }
}
