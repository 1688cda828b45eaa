import { DynamicModule, Module } from '@nestjs/common';
import { z } from 'zod';
import { loadConfig } from './load-config';

/** The app's validated config (the `z.output` of its schema, frozen); inject it typed as the app's config type. */
export const APP_CONFIG = Symbol('APP_CONFIG');
/** The app's name, as it appears in log lines and metrics. */
export const APP_NAME = Symbol('APP_NAME');

/** Validates an app's config once at start-up and provides it to every module as APP_CONFIG. */
@Module({})
export class AppConfigModule {
  /** Registers the app's validated config globally; `values` replaces the environment and `.env` (tests). */
  static forApp(appName: string, schema: z.ZodType, values?: Record<string, string | undefined>): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      providers: [
        { provide: APP_CONFIG, useFactory: () => loadConfig(schema, values) },
        { provide: APP_NAME, useValue: appName },
      ],
      exports: [APP_CONFIG, APP_NAME],
    };
  }
}
