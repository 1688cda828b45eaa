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
      application_name: applicationName,
    },
  };
}
