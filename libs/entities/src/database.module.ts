import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, APP_NAME, CoreConfig } from '@app/config';
import { dataSourceOptions } from './data-source-options';
import { SourceOutboxRepository } from './source-outbox.repository';

@Module({})
export class DatabaseModule {
  /** The app's pool; no retries at start-up, so an unreachable database stops the app with one clear line. */
  static forApp(): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG, APP_NAME],
          useFactory: (config: CoreConfig, appName: string) => ({
            ...dataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE, appName),
            retryAttempts: 0,
            manualInitialization: false,
          }),
        }),
      ],
      providers: [SourceOutboxRepository],
      exports: [SourceOutboxRepository],
    };
  }
}
