import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, MIGRATIONS } from '@app/entities';
import { testEnvironment } from './test-environment';

export interface TestDatabase {
  name: string;
  url: string;
  /** A direct client for assertions and seeding. */
  client: Client;
  query<T = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

const TEMPLATE_LOCK = 7_241_001;

function databaseUrl(name: string): string {
  const url = new URL(testEnvironment.TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

function templateName(): string {
  const fingerprint = createHash('sha1')
    .update(MIGRATIONS.map((migration) => migration.toString()).join('\n'))
    .digest('hex')
    .slice(0, 12);
  return `ua_template_${fingerprint}`;
}

async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testEnvironment.TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function ensureTemplate(admin: Client, template: string): Promise<void> {
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
  if (exists.rowCount) {
    return;
  }
  await admin.query(`CREATE DATABASE ${template}`);
  const dataSource = await new DataSource(dataSourceOptions(databaseUrl(template), 1, 'test-template')).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

/** A fresh, migrated database for one test file, cloned from a template that is built once per schema version. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `ua_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const template = templateName();
  await withAdminClient(async (admin) => {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      await ensureTemplate(admin, template);
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
  const url = databaseUrl(name);
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    name,
    url,
    client,
    async query<T>(sql: string, parameters?: unknown[]): Promise<T[]> {
      return (await client.query(sql, parameters)).rows as T[];
    },
    async drop(): Promise<void> {
      await client.end();
      await withAdminClient((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
