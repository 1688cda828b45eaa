import { Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import { z } from 'zod';
import { APP_CONFIG, loadConfig } from '@app/config';
import { AppOptions, configureApp, createHttpAdapter, HttpApp, nestAppOptions } from '@app/http';
import { LOG_DESTINATION } from '@app/observability';
import { assertGlobalRegistryUnused, withOwnMetricsRegistry } from './app-metrics-registry';
import { LogCapture } from './log-capture';

/**
 * Nest's `Logger` instances write through one process-wide logger, so apps booted in the same test process share
 * their log lines (the `app` field names whichever app set the logger last). Assert on `msg`, `signal` and fields.
 */
export const processLogs = new LogCapture();

export interface BootedApp {
  app: HttpApp;
  /** Base URL of the app's HTTP server on an ephemeral port. */
  url: string;
  /** The log lines of every app in this test process (see processLogs). */
  logs: LogCapture;
  close(): Promise<void>;
}

/**
 * Boots an app module as main.ts does (same create options, logger and edge setup), with its config validated from
 * `env` instead of the environment, its logs captured in memory, and its metrics on a registry of its
 * own (withOwnMetricsRegistry).
 */
export async function bootApp(
  module: Type,
  schema: z.ZodType,
  options: AppOptions,
  env: Record<string, string>,
): Promise<BootedApp> {
  const logs = processLogs;
  const testingModule = await withOwnMetricsRegistry(Test.createTestingModule({ imports: [module] }))
    .overrideProvider(APP_CONFIG)
    .useValue(loadConfig(schema, { LOG_LEVEL: 'debug', ...env }))
    .overrideProvider(LOG_DESTINATION)
    .useValue(logs)
    .compile();
  await assertGlobalRegistryUnused();
  const app = testingModule.createNestApplication<HttpApp>(createHttpAdapter(), nestAppOptions);
  app.useLogger(app.get(Logger));
  configureApp(app, options);
  await app.listen(0, '127.0.0.1');
  await app.startAllMicroservices();
  const url = await app.getUrl();
  let closed = false;
  return {
    app,
    url: url.replace('[::1]', '127.0.0.1'),
    logs,
    async close() {
      if (!closed) {
        closed = true;
        await app.close();
      }
    },
  };
}
