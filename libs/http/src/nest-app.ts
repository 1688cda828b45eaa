import { NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { INVALID_REQUEST, INVALID_REQUEST_MESSAGE } from './api-error';
import { sendError, STATUS_CODES } from './error-body';

/** Every app is served by Fastify; the e2e tests boot apps with the same adapter. */
export type HttpApp = NestFastifyApplication;

/**
 * How every main.ts and the e2e tests create an app. Nest logs nothing until `app.useLogger` gives it the app's JSON
 * logger: a failed start-up prints only its one line (see exitOnStartupFailure), and the module-loading lines Nest
 * writes while creating the app are left out. The body parser is ours (configureApp); an error while creating the app
 * is thrown, not a process abort.
 */
export const nestAppOptions: NestApplicationOptions = {
  logger: false,
  bodyParser: false,
  abortOnError: false,
};

/**
 * The HTTP adapter of every app. Routing as Express did it (a trailing slash and the letter case of a path do not
 * matter); path parameters as long as an event id may be; no 503 for requests that arrive while the app closes (see
 * useConnectionDrain); a URL Fastify cannot decode is a 400 in our envelope.
 */
export function createHttpAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 2048 },
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode ?? 400;
      if (status === 400) {
        sendError(reply, 400, INVALID_REQUEST, INVALID_REQUEST_MESSAGE, {
          errors: [{ field: '(url)', reason: error.message }],
        });
        return;
      }
      sendError(reply, status, STATUS_CODES[status] ?? `HTTP_${status}`, error.message);
    },
  });
}
