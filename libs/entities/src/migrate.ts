import { DataSource } from 'typeorm';
import { coreSchema, loadConfig, maskUrl } from '@app/config';
import { ensureDatabaseExists } from './create-database';
import { dataSourceOptions } from './data-source-options';

async function migrate(direction: string): Promise<void> {
  const { DATABASE_URL } = loadConfig(coreSchema);
  if (direction === 'run' && (await ensureDatabaseExists(DATABASE_URL))) {
    console.log(`created database ${maskUrl(DATABASE_URL)}`);
  }
  const dataSource = await new DataSource(dataSourceOptions(DATABASE_URL, 1, 'migrate')).initialize();
  try {
    if (direction === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    } else {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      console.log(
        `migrations applied: ${applied.length === 0 ? 'none (up to date)' : applied.map((m) => m.name).join(', ')}`,
      );
    }
  } finally {
    await dataSource.destroy();
  }
}

migrate(process.argv[2] ?? 'run').catch((error: unknown) => {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
