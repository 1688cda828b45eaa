import { DataSource } from 'typeorm';
import { coreSchema, loadConfig } from '@app/config';
import { dataSourceOptions } from './data-source-options';

/** For the TypeORM CLI (`migration:generate`). */
export default new DataSource(dataSourceOptions(loadConfig(coreSchema).DATABASE_URL));
