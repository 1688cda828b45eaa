import { Logger as NestLogger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { APP_CONFIG, ConfigValidationError, coreSchema, CoreConfig, loadConfig, maskUrl } from '@app/config';
import { INVALID_REQUEST, INVALID_REQUEST_MESSAGE } from './api-error';
import { ApiErrorFilter } from './api-error.filter';
import { useConnectionDrain } from './connection-drain';
import { sendError, STATUS_CODES } from './error-body';
import { useJsonBody } from './json-body';
import { useNulFreeUrls } from './nul-free-url';
import { routeMethodsOf } from './route-methods';
import { createValidationPipe } from './validation.pipe';

/** Every app is served by Fastify; the e2e tests boot apps with the same adapter. */
export type HttpApp = NestFastifyApplication;

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

export interface AppOptions {
  name: string;
  /** Adds a JSON body parser with this limit (bytes), read from the app's config; apps without write bodies leave it out. */
  bodyLimit?: (app: NestFastifyApplication) => number;
  /** The limit of routes marked SNIFFED_BODY (bytes, after decompression); `bodyLimit` when left out. */
  sniffedBodyLimit?: (app: NestFastifyApplication) => number;
  /**
   * Called for every request rejected before a handler runs (bad JSON, too large, wrong media type, field
   * validation); with the request when the body was refused.
   */
  onBodyRejected?: (app: NestFastifyApplication, request?: FastifyRequest) => void;
  openApi?: { title: string; description: string; bearer?: boolean };
  configure?: (app: NestFastifyApplication) => void;
}

/** Edge setup shared by main.ts and the e2e tests: body parsing, error envelope, OpenAPI, shutdown hooks. */
export function configureApp(app: NestFastifyApplication, options: AppOptions): void {
  const fastify = app.getHttpAdapter().getInstance();
  useConnectionDrain(fastify);
  useNulFreeUrls(fastify);
  if (options.bodyLimit !== undefined) {
    const limit = options.bodyLimit(app);
    useJsonBody(
      fastify,
      limit,
      (request) => options.onBodyRejected?.(app, request),
      options.sniffedBodyLimit?.(app) ?? limit,
    );
  }
  app.useGlobalFilters(new ApiErrorFilter(routeMethodsOf(fastify)));
  app.useGlobalPipes(createValidationPipe(() => options.onBodyRejected?.(app)));
  if (options.openApi) {
    const builder = new DocumentBuilder()
      .setTitle(options.openApi.title)
      .setDescription(options.openApi.description)
      .setVersion('1');
    if (options.openApi.bearer) {
      builder.addBearerAuth();
    }
    SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, builder.build()));
  }
  options.configure?.(app);
  app.enableShutdownHooks();
}

interface ErrnoLike {
  code?: string;
  message?: string;
}

/** One line that says what is wrong and how to fix it, for the errors that stop an app at start-up. */
export function startupFailureLine(error: unknown): string {
  if (error instanceof ConfigValidationError) {
    return error.message;
  }
  const known = error as ErrnoLike;
  const message = known?.message ?? String(error);
  if (error instanceof Error && error.name === 'BrokerUnreachableError') {
    return message;
  }
  const databaseCodes = ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', '3D000', '28P01', '57P03'];
  if (databaseCodes.includes(known?.code ?? '') || /connect|terminat|database/i.test(message)) {
    let url = '(DATABASE_URL)';
    try {
      url = maskUrl(loadConfig(coreSchema).DATABASE_URL);
    } catch {
      // the config error itself is reported elsewhere
    }
    return (
      `PostgreSQL is unreachable at ${url} (${message}); start it (pg_ctlcluster <version> main start, or ` +
      'docker compose up postgres), run npm run migration:run, or set DATABASE_URL'
    );
  }
  return `start-up failed: ${message}`;
}

/** Drains get SHUTDOWN_TIMEOUT after SIGTERM; then the process exits non-zero rather than wait for SIGKILL. */
function forceExitAfter(timeoutMs: number): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(`shutdown took longer than ${timeoutMs} ms; exiting\n`);
        process.exit(1);
      }, timeoutMs).unref();
    });
  }
}

/** The body of every main.ts: create, configure, listen, one start-up line; on failure one clear line and exit 1. */
export async function runApp(appModule: Type, options: AppOptions): Promise<NestFastifyApplication> {
  try {
    const app = await NestFactory.create<NestFastifyApplication>(appModule, createHttpAdapter(), {
      logger: false,
      bodyParser: false,
      abortOnError: false,
    });
    app.useLogger(app.get(Logger));
    configureApp(app, options);
    const config = app.get<CoreConfig & { PORT: number }>(APP_CONFIG);
    forceExitAfter(config.SHUTDOWN_TIMEOUT);
    await app.listen(config.PORT, '::');
    new NestLogger('Bootstrap').log({ msg: `${options.name} started`, version: config.APP_VERSION, port: config.PORT });
    return app;
  } catch (error) {
    process.stderr.write(`${options.name}: ${startupFailureLine(error)}\n`);
    process.exit(1);
  }
}
