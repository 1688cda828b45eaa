import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { testEnvironment } from '@app/testing';
import { dataSourceOptions } from '../src/data-source-options';
import { ensureDatabaseExists } from '../src/create-database';
import { MIGRATIONS } from '../src/migrations';

function urlFor(name: string): string {
  const url = new URL(testEnvironment.TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

describe('migrations', () => {
  const name = `ua_migrate_${randomBytes(4).toString('hex')}`;
  let dataSource: DataSource;

  afterAll(async () => {
    await dataSource?.destroy();
    const admin = new Client({ connectionString: testEnvironment.TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('create the database when missing, apply every migration, and match the entities exactly', async () => {
    expect(await ensureDatabaseExists(urlFor(name))).toBe(true);
    expect(await ensureDatabaseExists(urlFor(name))).toBe(false);
    dataSource = await new DataSource(dataSourceOptions(urlFor(name), 1, 'migrations-test')).initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    expect(applied.length).toBeGreaterThan(0);
    const drift = await dataSource.driver.createSchemaBuilder().log();
    expect(drift.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('revert cleanly', async () => {
    for (let undone = 0; undone < MIGRATIONS.length; undone++) {
      await dataSource.undoLastMigration({ transaction: 'each' });
    }
    const tables = await dataSource.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'typeorm_migrations'`,
    );
    expect(tables).toEqual([]);
  });
});
