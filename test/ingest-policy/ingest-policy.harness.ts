import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bootApp, BootedApp, createTestDatabase, TestDatabase } from '@app/testing';
import { adminSchema } from '../../apps/admin-api/src/admin-api.config';
import { AdminApiModule } from '../../apps/admin-api/src/admin-api.module';
import { adminApiOptions } from '../../apps/admin-api/src/admin-api.options';
import { ingestSchema } from '../../apps/ingest-api/src/ingest-api.config';
import { IngestApiModule } from '../../apps/ingest-api/src/ingest-api.module';
import { ingestApiOptions } from '../../apps/ingest-api/src/ingest-api.options';

export const ADMIN_TOKEN = 'ops-admin-secret-for-tests';
export const POLICY_PATH = '/api/v1/admin/user-activity/ingest-policy';
export const REJECTIONS_PATH = '/api/v1/admin/user-activity/ingest/rejections';

/** One admin-api and several ingest-api replicas on one database, as in a deployment. */
export interface PolicyHarness {
  db: TestDatabase;
  admin: BootedApp;
  replicas: BootedApp[];
  bootReplica(env?: Record<string, string>): Promise<BootedApp>;
  getPolicy(): request.Test;
  putPolicy(body: unknown): request.Test;
  getRejections(query: string): request.Test;
  close(): Promise<void>;
}

export async function startPolicyHarness(
  label: string,
  ingestEnv: Record<string, string>,
  replicaCount = 2,
): Promise<PolicyHarness> {
  const db = await createTestDatabase(label);
  const booted: BootedApp[] = [];
  const bootReplica = async (env: Record<string, string> = {}) => {
    const app = await bootApp(IngestApiModule, ingestSchema, ingestApiOptions, {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '3',
      ...ingestEnv,
      ...env,
    });
    booted.push(app);
    return app;
  };
  const replicas: BootedApp[] = [];
  for (let i = 0; i < replicaCount; i++) {
    replicas.push(await bootReplica());
  }
  // Without a broker: the policy endpoints need none, and the replay endpoints are not used here.
  const admin = await bootApp(AdminApiModule, adminSchema, adminApiOptions, {
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '3',
    MQ_PROVIDER: 'none',
    ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
  });
  booted.push(admin);
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${ADMIN_TOKEN}`);
  return {
    db,
    admin,
    replicas,
    bootReplica,
    getPolicy: () => auth(request(admin.url).get(POLICY_PATH)),
    putPolicy: (body) => auth(request(admin.url).put(POLICY_PATH)).send(body as object),
    getRejections: (query) => auth(request(admin.url).get(`${REJECTIONS_PATH}${query}`)),
    async close() {
      for (const app of booted) {
        await app.close();
      }
      await db.drop();
    },
  };
}

/** One client request of one event from an anonymous caller; answers the HTTP status. */
export async function sendClientEvent(replica: BootedApp, anonymousId: string, eventName: string): Promise<number> {
  const response = await request(replica.url)
    .post('/api/v1/analytics/events')
    .set('X-Anonymous-Id', anonymousId)
    .send({ events: [{ eventId: randomUUID(), eventName }] });
  return response.status;
}

/** The statuses of `count` requests in a row from one caller. */
export async function sendMany(
  replica: BootedApp,
  anonymousId: string,
  eventName: string,
  count: number,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    statuses.push(await sendClientEvent(replica, anonymousId, eventName));
  }
  return statuses;
}

export interface AuditRow {
  token_name: string;
  action: string;
  parameters: Record<string, unknown>;
  result: { before: PolicyView; after: PolicyView };
}

export interface PolicyView {
  version: number;
  effective: PolicyValues;
  base: PolicyValues;
  override: { rateLimit?: RateLimitView; ipRateLimit?: RateLimitView; until: string } | null;
  updatedBy: string;
  updatedAt: string;
}

export interface PolicyValues {
  allowlist: string[];
  rateLimit: RateLimitView;
  ipRateLimit: RateLimitView;
}

export interface RateLimitView {
  maxRequests: number;
  window: string;
  windowMs: number;
}

export async function policyAuditRows(db: TestDatabase): Promise<AuditRow[]> {
  return db.query<AuditRow>(
    `SELECT token_name, action, parameters, result FROM admin_audit_log WHERE action = 'INGEST_POLICY_CHANGE' ORDER BY id`,
  );
}
