import { CanActivate, createParamDecorator, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '@app/http';
import { AdminTokenVerifier } from './admin-token.verifier';

interface AdminRequest extends FastifyRequest {
  adminTokenName?: string;
}

/** Every admin endpoint: `Authorization: Bearer <secret>` of one ADMIN_TOKENS entry, else 401 saying nothing more. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly logger = new Logger(AdminTokenGuard.name);

  constructor(private readonly verifier: AdminTokenVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const name = this.verifier.identify(request.headers.authorization);
    if (name === null) {
      this.logger.warn({ msg: 'admin request refused', method: request.method, path: request.url.split('?')[0] });
      throw new ApiError(401, 'UNAUTHORIZED', '인증이 필요합니다.', {}, { 'WWW-Authenticate': 'Bearer' });
    }
    request.adminTokenName = name;
    return true;
  }
}

/** The name of the admin token that authorised the request (for the audit log). */
export const AdminCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string =>
    context.switchToHttp().getRequest<AdminRequest>().adminTokenName ?? '',
);
