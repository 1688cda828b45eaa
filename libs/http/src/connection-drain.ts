import type { FastifyInstance } from 'fastify';

/**
 * Node keeps serving a keep-alive connection after `server.close()` for as long as its client keeps sending, so a busy
 * HTTP app never finishes its graceful drain and is cut off at SHUTDOWN_TIMEOUT with requests in flight. Once the
 * server has stopped listening, every answer says `Connection: close` and connections left idle are closed: each
 * connection ends after the request it is serving. (Fastify's own 503 for requests arriving while it closes is off:
 * a request that reached the app is still served.)
 */
export function useConnectionDrain(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (!fastify.server.listening) {
      reply.header('Connection', 'close');
    }
    done();
  });
  fastify.addHook('onResponse', (_request, _reply, done) => {
    if (!fastify.server.listening) {
      setImmediate(() => fastify.server.closeIdleConnections());
    }
    done();
  });
}
