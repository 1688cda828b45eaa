import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, INVALID_REQUEST, INVALID_REQUEST_MESSAGE } from './api-error';
import { sendError, STATUS_CODES } from './error-body';
import { RouteMethods } from './route-methods';

/** Renders every error as `{success:false, code, message}`; anything unexpected is a logged 500 without details. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiErrorFilter.name);

  /** `routeMethods` turns Nest's "no route" 404 into a 405 with `Allow` when the path has routes for other methods. */
  constructor(private readonly routeMethods: RouteMethods = () => []) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof NotFoundException) {
      const request = host.switchToHttp().getRequest<FastifyRequest>();
      const allowed = this.routeMethods(request);
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        response.header('Allow', allowed.join(', '));
        sendError(
          response,
          405,
          STATUS_CODES[405],
          `${request.method} is not allowed here; use ${allowed.join(' or ')}.`,
        );
        return;
      }
    }
    if (exception instanceof ApiError) {
      for (const [name, value] of Object.entries(exception.headers)) {
        response.header(name, value);
      }
      sendError(response, exception.status, exception.code, exception.message, exception.details);
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 400) {
        sendError(response, 400, INVALID_REQUEST, INVALID_REQUEST_MESSAGE);
        return;
      }
      // Terminus answers 503 with the check results; keep them for the operator.
      const body = exception.getResponse();
      const details = status === 503 && typeof body === 'object' ? { details: body } : {};
      sendError(response, status, STATUS_CODES[status] ?? `HTTP_${status}`, exception.message, details);
      return;
    }
    this.logger.error({
      msg: 'unhandled error',
      error: exception instanceof Error ? exception.stack : String(exception),
    });
    sendError(response, 500, 'INTERNAL_ERROR', '요청을 처리하지 못했습니다.');
  }
}
