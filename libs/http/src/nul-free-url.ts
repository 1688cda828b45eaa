import type { FastifyInstance } from 'fastify';
import { INVALID_REQUEST, INVALID_REQUEST_MESSAGE } from './api-error';
import { sendError } from './error-body';

/**
 * A NUL character can only arrive percent-encoded in the path or query; PostgreSQL refuses it in any text, so a
 * handler that looks it up would fail with a 500. Such a URL is a 400 before any handler runs.
 */
export function useNulFreeUrls(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.raw.url?.includes('%00')) {
      sendError(reply, 400, INVALID_REQUEST, INVALID_REQUEST_MESSAGE, {
        errors: [{ field: '(url)', reason: 'the path and query must not contain NUL characters' }],
      });
      return;
    }
    done();
  });
}
