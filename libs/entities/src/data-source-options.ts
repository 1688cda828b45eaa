import { DataSourceOptions } from 'typeorm';
import { ALL_ENTITIES } from './all-entities';
import { MIGRATIONS } from './migrations';

export function dataSourceOptions(url: string, poolSize = 10, applicationName = 'user-activity'): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ALL_ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logging: false,
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      // A server that stops answering must fail the batch (and release its row locks), not hang it.
      query_timeout: 30_000,
      statement_timeout: 30_000,
      idle_in_transaction_session_timeout: 60_000,
      application_name: applicationName,
    },
  };
}
