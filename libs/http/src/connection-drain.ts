import { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';

/**
 * Node keeps serving a keep-alive connection after `server.close()` for as long as its client keeps sending, so a busy
 * HTTP app never finishes its graceful drain and is cut off at SHUTDOWN_TIMEOUT with requests in flight. Once the
 * server has stopped listening, every answer says `Connection: close` and connections left idle are closed: each
 * connection ends after the request it is serving.
 */
export function useConnectionDrain(app: INestApplication): void {
  app.use((_request: Request, response: Response, next: NextFunction) => {
    const server = app.getHttpServer() as Server;
    if (!server.listening) {
      response.setHeader('Connection', 'close');
    }
    response.once('finish', () => {
      if (!server.listening) {
        setImmediate(() => server.closeIdleConnections());
      }
    });
    next();
  });
}
