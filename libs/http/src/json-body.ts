import { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { json } from 'express';
import { INVALID_REQUEST, INVALID_REQUEST_MESSAGE } from './api-error';
import { sendError } from './error-body';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * JSON bodies up to `limit` bytes (after decompression), with clear 4xx answers for what body-parser rejects:
 * malformed JSON 400, too large 413, unknown encoding or charset 415, a non-JSON body on a write 415.
 */
export function useJsonBody(app: INestApplication, limit: number): void {
  app.use((request: Request, response: Response, next: NextFunction) => {
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (hasBody && request.method !== 'GET' && !request.is(JSON_TYPES)) {
      sendError(response, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json.');
      return;
    }
    next();
  });
  app.use(json({ limit, type: JSON_TYPES, strict: false }));
  app.use((error: BodyParserError, _request: Request, response: Response, next: NextFunction) => {
    switch (error.type) {
      case 'entity.too.large':
        sendError(response, 413, 'PAYLOAD_TOO_LARGE', `요청 본문이 너무 큽니다 (최대 ${limit} bytes).`);
        return;
      case 'entity.parse.failed':
        sendError(response, 400, INVALID_REQUEST, INVALID_REQUEST_MESSAGE, {
          errors: [{ field: '(body)', reason: 'malformed JSON' }],
        });
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        sendError(response, 415, 'UNSUPPORTED_MEDIA_TYPE', error.message);
        return;
      case 'request.aborted':
      case 'request.size.invalid':
      case 'stream.encoding.set':
        sendError(response, 400, INVALID_REQUEST, INVALID_REQUEST_MESSAGE);
        return;
      default:
        if (error.status !== undefined && error.status >= 400 && error.status < 500) {
          sendError(response, error.status, INVALID_REQUEST, INVALID_REQUEST_MESSAGE);
          return;
        }
        next(error);
    }
  });
}
