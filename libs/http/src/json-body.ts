import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createBrotliDecompress, createGunzip, createInflate, gunzip } from 'node:zlib';
import { ApiError, FieldError, INVALID_REQUEST, INVALID_REQUEST_MESSAGE, invalidRequest } from './api-error';
import { sendError } from './error-body';

const MAX_JSON_DEPTH = 32;

/**
 * Route config (Nest's `@RouteConfig` of `@nestjs/platform-fastify`) of a route whose callers cannot choose how they
 * send: analytics SDKs post JSON as `text/plain` or form-encoded, gzip with or without `Content-Encoding`.
 */
export const SNIFFED_BODY = { sniffedBody: true } as const;

function isSniffed(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { sniffedBody?: boolean } | undefined)?.sniffedBody === true;
}

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

/** `application/json` and `application/*+json`, with no charset or a UTF charset (what JSON may be sent in). */
function mediaTypeProblem(contentType: string | undefined): string | null {
  const [type = '', ...parameters] = (contentType ?? '').toLowerCase().split(';');
  const mediaType = type.trim();
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9!#$&^_.-]+\+json$/.test(mediaType)) {
    return 'Content-Type must be application/json.';
  }
  for (const parameter of parameters) {
    const [name, value = ''] = parameter.split('=').map((part) => part.trim());
    const charset = value.replace(/^"|"$/g, '');
    if (name === 'charset' && charset !== 'utf-8' && charset !== 'utf8') {
      return `unsupported charset "${charset.toUpperCase()}"`;
    }
  }
  return null;
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  return Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;
}

const DECOMPRESSORS: Record<string, (() => NodeJS.ReadWriteStream) | undefined> = {
  gzip: createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** The body as it was sent, decompressed. */
function decoded(payload: Readable, encoding: string): Readable {
  const decompress = DECOMPRESSORS[encoding];
  if (decompress === undefined) {
    return payload;
  }
  const output = payload.pipe(decompress()) as unknown as Readable;
  payload.on('error', (error) => output.destroy(error));
  return output;
}

/** Reads the whole body, refusing it with 413 as soon as it grows past `limit` bytes. */
function readBody(payload: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const stop = (error: ApiError): void => {
      payload.removeAllListeners('data');
      payload.resume();
      reject(error);
    };
    payload.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        stop(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    payload.once('end', () => resolve(Buffer.concat(chunks, length)));
    // cut short, or compressed data that does not decompress
    payload.once('error', () => stop(new ApiError(400, INVALID_REQUEST, INVALID_REQUEST_MESSAGE)));
  });
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const gunzipAsync = promisify(gunzip);

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'PAYLOAD_TOO_LARGE', `요청 본문이 너무 큽니다 (최대 ${limit} bytes).`);
}

function unreadable(reason: string): ApiError {
  return invalidRequest([{ field: '(body)', reason }]);
}

/** Gzip recognised by its magic bytes, whatever the headers said; inflated up to `limit` bytes. */
async function gunzipSniffed(bytes: Buffer, limit: number): Promise<Buffer> {
  if (bytes.subarray(0, 2).compare(GZIP_MAGIC) !== 0) {
    return bytes;
  }
  try {
    return await gunzipAsync(bytes, { maxOutputLength: limit });
  } catch (error) {
    throw (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
      ? tooLarge(limit)
      : unreadable('gzip data that does not decompress');
  }
}

/** A form body's `data` field: JSON, or base64 of JSON or of gzipped JSON (posthog-js `sendBeacon`). */
async function formData(text: string, limit: number): Promise<string> {
  const data = new URLSearchParams(text).get('data');
  if (data === null) {
    throw unreadable('neither JSON nor a form with a data field');
  }
  if (/^\s*[[{]/.test(data)) {
    return data;
  }
  // A `+` of base64 sent without percent-encoding arrives as a space.
  const decoded = await gunzipSniffed(Buffer.from(data.replace(/ /g, '+'), 'base64'), limit);
  return decoded.toString('utf8');
}

/**
 * A sniffed body (SNIFFED_BODY): JSON, gzipped or not, or a form with `data=`. Only unreadable bytes are refused
 * here; what the JSON holds (findUnsafeJson included) is for the route to judge event by event.
 */
async function parseSniffed(raw: Buffer, limit: number): Promise<unknown> {
  const bytes = await gunzipSniffed(raw, limit);
  if (bytes.length === 0) {
    return undefined;
  }
  const text = bytes.toString('utf8');
  const json = /^\s*[[{"]/.test(text) ? text : await formData(text, limit);
  try {
    return JSON.parse(json);
  } catch {
    throw unreadable('malformed JSON');
  }
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) {
    return undefined;
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw unreadable('malformed JSON');
  }
  const problem = findUnsafeJson(body);
  if (problem !== null) {
    throw invalidRequest([problem]);
  }
  return body;
}

/**
 * JSON bodies up to `limit` bytes (after decompression), with clear 4xx answers: malformed JSON 400, too large 413,
 * unknown encoding or charset 415, a non-JSON body on a write 415 (before any of it is read), and the unsafe JSON of
 * `findUnsafeJson` 400. Routes marked SNIFFED_BODY take any media type instead, up to `sniffedLimit` bytes (see
 * parseSniffed). Fastify's own parsers are replaced by this one. `onRejected` is called for every body refused.
 */
export function useJsonBody(
  fastify: FastifyInstance,
  limit: number,
  onRejected: (request: FastifyRequest) => void = () => undefined,
  sniffedLimit: number = limit,
): void {
  fastify.addHook('preParsing', (request: FastifyRequest, reply, payload, done) => {
    const { headers } = request;
    if (request.method === 'GET' || request.method === 'HEAD' || !hasBody(headers)) {
      done(null, payload);
      return;
    }
    const mediaProblem = isSniffed(request) ? null : mediaTypeProblem(headers['content-type']);
    if (mediaProblem !== null) {
      onRejected(request);
      sendError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', mediaProblem);
      return;
    }
    const encoding = (headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity' && DECOMPRESSORS[encoding] === undefined) {
      onRejected(request);
      sendError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', `unsupported content encoding "${encoding}"`);
      return;
    }
    done(null, decoded(payload, encoding));
  });
  fastify.removeAllContentTypeParsers();
  // Every media type reaches this parser: the preParsing hook has already refused what is not JSON.
  fastify.addContentTypeParser('*', async (request: FastifyRequest, payload: Readable) => {
    const sniffed = isSniffed(request);
    const max = sniffed ? sniffedLimit : limit;
    const declared = Number(request.headers['content-length']);
    try {
      if (declared > max && request.headers['content-encoding'] === undefined) {
        throw tooLarge(max);
      }
      const raw = await readBody(payload, max);
      return sniffed ? await parseSniffed(raw, max) : parseJson(raw);
    } catch (error) {
      onRejected(request);
      throw error;
    }
  });
}
