import { Client } from 'pg';

/** Creates the database named in `url` when it is missing (connecting to the server's `postgres` database). */
export async function ensureDatabaseExists(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query<{ exists: boolean }>('SELECT true AS exists FROM pg_database WHERE datname = $1', [
      name,
    ]);
    if (found.rowCount) {
      return false;
    }
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } finally {
    await client.end();
  }
}
