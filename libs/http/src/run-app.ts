import { INestApplication, Logger as NestLogger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { APP_CONFIG, ConfigValidationError, coreSchema, CoreConfig, loadConfig, maskUrl } from '@app/config';
import { ApiErrorFilter } from './api-error.filter';
import { useConnectionDrain } from './connection-drain';
import { useJsonBody } from './json-body';
import { useNulFreeUrls } from './nul-free-url';
import { routeMethodsOf } from './route-methods';
import { createValidationPipe } from './validation.pipe';

export interface AppOptions {
  name: string;
  /** Adds a JSON body parser with this limit (bytes), read from the app's config; apps without write bodies leave it out. */
  bodyLimit?: (app: INestApplication) => number;
  /** Called for every request rejected before a handler runs (bad JSON, too large, wrong media type). */
  onBodyRejected?: (app: INestApplication) => void;
  openApi?: { title: string; description: string; bearer?: boolean };
  configure?: (app: INestApplication) => void;
}

/** Edge setup shared by main.ts and the e2e tests: body parsing, error envelope, OpenAPI, shutdown hooks. */
export function configureApp(app: INestApplication, options: AppOptions): void {
  useConnectionDrain(app);
  useNulFreeUrls(app);
  if (options.bodyLimit !== undefined) {
    useJsonBody(app, options.bodyLimit(app), () => options.onBodyRejected?.(app));
  }
  app.useGlobalFilters(new ApiErrorFilter(routeMethodsOf(app)));
  app.useGlobalPipes(createValidationPipe());
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
export async function runApp(appModule: Type, options: AppOptions): Promise<INestApplication> {
  try {
    const app = await NestFactory.create(appModule, { logger: false, bodyParser: false, abortOnError: false });
    app.useLogger(app.get(Logger));
    configureApp(app, options);
    const config = app.get<CoreConfig & { PORT: number }>(APP_CONFIG);
    forceExitAfter(config.SHUTDOWN_TIMEOUT);
    await app.listen(config.PORT);
    new NestLogger('Bootstrap').log({ msg: `${options.name} started`, version: config.APP_VERSION, port: config.PORT });
    return app;
  } catch (error) {
    process.stderr.write(`${options.name}: ${startupFailureLine(error)}\n`);
    process.exit(1);
  }
}
