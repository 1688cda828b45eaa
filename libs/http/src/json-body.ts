import { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { json } from 'express';
import { FieldError, INVALID_REQUEST, INVALID_REQUEST_MESSAGE } from './api-error';
import { sendError } from './error-body';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

const MAX_JSON_DEPTH = 32;

/** Nest's ValidationPipe deletes these keys anywhere in a body; refusing them beats storing an event without them. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Finds what no handler should ever see: nesting deeper than MAX_JSON_DEPTH, NUL characters, lone surrogates, and
 * the keys the validation pipe would silently delete.
 */
export function findUnsafeJson(body: unknown): FieldError | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000') || !value.isWellFormed()) {
        return { field: path || '(body)', reason: 'strings must be well-formed Unicode without NUL characters' };
      }
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= MAX_JSON_DEPTH) {
        return { field: path || '(body)', reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
      }
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\u0000') || !key.isWellFormed()) {
          return { field: path || '(body)', reason: 'keys must be well-formed Unicode without NUL characters' };
        }
        if (RESERVED_KEYS.has(key)) {
          return { field: path ? `${path}.${key}` : key, reason: `${key} is a reserved key` };
        }
        stack.push({
          value: child,
          path: Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key,
          depth: depth + 1,
        });
      }
    }
  }
  return null;
}

/**
 * JSON bodies up to `limit` bytes (after decompression), with clear 4xx answers for what body-parser rejects:
 * malformed JSON 400, too large 413, unknown encoding or charset 415, a non-JSON body on a write 415.
 */
export function useJsonBody(app: INestApplication, limit: number, onRejected: () => void = () => undefined): void {
  app.use((request: Request, response: Response, next: NextFunction) => {
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (hasBody && request.method !== 'GET' && !request.is(JSON_TYPES)) {
      onRejected();
      sendError(response, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json.');
      return;
    }
    next();
  });
  app.use(json({ limit, type: JSON_TYPES, strict: false }));
  app.use((request: Request, response: Response, next: NextFunction) => {
    const problem = findUnsafeJson(request.body);
    if (problem !== null) {
      onRejected();
      sendError(response, 400, INVALID_REQUEST, INVALID_REQUEST_MESSAGE, { errors: [problem] });
      return;
    }
    next();
  });
  app.use((error: BodyParserError, _request: Request, response: Response, next: NextFunction) => {
    if (error.type !== undefined || (error.status !== undefined && error.status < 500)) {
      onRejected();
    }
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
