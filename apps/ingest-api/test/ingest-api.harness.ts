import { bootApp, BootedApp, createTestDatabase, TestDatabase } from '@app/testing';
import { ingestSchema } from '../src/ingest-api.config';
import { IngestApiModule } from '../src/ingest-api.module';
import { ingestApiOptions } from '../src/ingest-api.options';

export const SERVICE_TOKEN = 'service-token-for-tests';
export const JWT_SECRET = 'jwt-secret-for-tests';

export interface IngestHarness {
  db: TestDatabase;
  ingest: BootedApp;
  close(): Promise<void>;
}

export async function startIngest(label: string, env: Record<string, string> = {}): Promise<IngestHarness> {
  const db = await createTestDatabase(label);
  const ingest = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, {
    DATABASE_URL: db.url,
    INGEST_SERVICE_TOKEN: SERVICE_TOKEN,
    JWT_SECRET,
    ...env,
  });
  return {
    db,
    ingest,
    async close() {
      await ingest.close();
      await db.drop();
    },
  };
}
