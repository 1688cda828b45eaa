import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@app/testing';
import { AdminAuditAction, AdminAuditRepository } from '../src/admin-audit.repository';
import { dataSourceOptions } from '../src/data-source-options';

describe('AdminAuditRepository on a migrated database', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const audit = new AdminAuditRepository();

  beforeAll(async () => {
    db = await createTestDatabase('admin_audit_repository');
    dataSource = await new DataSource(dataSourceOptions(db.url, 2, 'admin-audit-repository-test')).initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  async function entries() {
    return db.query<{ token_name: string; action: string; parameters: unknown; result: unknown }>(
      'SELECT token_name, action, parameters, result FROM admin_audit_log ORDER BY id',
    );
  }

  it("records an operator's action with its parameters and result, in the action's transaction", async () => {
    await dataSource.transaction((tx) =>
      audit.record(tx, {
        tokenName: 'ops',
        action: AdminAuditAction.SourceOutboxReplay,
        parameters: { limit: 100 },
        result: { processedCount: 3 },
      }),
    );

    expect(await entries()).toEqual([
      { token_name: 'ops', action: 'SOURCE_OUTBOX_REPLAY', parameters: { limit: 100 }, result: { processedCount: 3 } },
    ]);
  });

  it('writes nothing when the action rolls back', async () => {
    const before = (await entries()).length;

    await expect(
      dataSource.transaction(async (tx) => {
        await audit.record(tx, {
          tokenName: 'ops',
          action: AdminAuditAction.DeadLetterRedrive,
          parameters: {},
          result: {},
        });
        throw new Error('the re-drive failed');
      }),
    ).rejects.toThrow('the re-drive failed');

    expect(await entries()).toHaveLength(before);
  });

  it('cuts a token name to its column', async () => {
    await dataSource.transaction((tx) =>
      audit.record(tx, {
        tokenName: 'n'.repeat(150),
        action: AdminAuditAction.IngestPolicyChange,
        parameters: {},
        result: {},
      }),
    );

    const last = (await entries()).at(-1);
    expect(last?.token_name).toHaveLength(100);
  });
});
