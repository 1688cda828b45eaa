import { DynamicModule, Module } from '@nestjs/common';
import { z } from 'zod';
import { loadConfig } from './load-config';

export const APP_CONFIG = Symbol('APP_CONFIG');
export const APP_NAME = Symbol('APP_NAME');

@Module({})
export class ConfigModule {
  /** Registers the app's validated config globally; `values` replaces the environment and `.env` (tests). */
  static forApp(appName: string, schema: z.ZodType, values?: Record<string, string | undefined>): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [
        { provide: APP_CONFIG, useFactory: () => loadConfig(schema, values) },
        { provide: APP_NAME, useValue: appName },
      ],
      exports: [APP_CONFIG, APP_NAME],
    };
  }
}
