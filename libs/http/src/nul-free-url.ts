import { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { INVALID_REQUEST, INVALID_REQUEST_MESSAGE } from './api-error';
import { sendError } from './error-body';

/**
 * A NUL character can only arrive percent-encoded in the path or query; PostgreSQL refuses it in any text, so a
 * handler that looks it up would fail with a 500. Such a URL is a 400 before any handler runs.
 */
export function useNulFreeUrls(app: INestApplication): void {
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (request.url.includes('%00')) {
      sendError(response, 400, INVALID_REQUEST, INVALID_REQUEST_MESSAGE, {
        errors: [{ field: '(url)', reason: 'the path and query must not contain NUL characters' }],
      });
      return;
    }
    next();
  });
}
