import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '@app/testing';

const runbook = readFileSync(join(__dirname, '../../../docs/runbook.ko.md'), 'utf8');
const section6 = runbook.slice(runbook.indexOf('# **[6]'), runbook.indexOf('# **[7]'));
const optionB = section6.indexOf('옵션 B');
const queries = [...section6.matchAll(/```sql\n([\s\S]*?)```/g)]
  .filter((match) => optionB < 0 || match.index < optionB || match.index > section6.indexOf('```', optionB + 1) + 3)
  .map((match) => match[1].trim());

describe('runbook §6 SQL playbook against the migrated schema', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('runbook_sql');
  });

  afterAll(async () => {
    await db.drop();
  });

  it('finds the playbook queries (6-1 ×2, 6-2 ×2, 6-3 option A)', () => {
    expect(queries).toHaveLength(5);
    expect(queries.some((sql) => sql.includes('sink_type'))).toBe(false);
  });

  it.each(queries.map((sql) => [sql.split('\n').find((line) => !line.startsWith('--')) ?? sql, sql]))(
    'runs verbatim: %s',
    async (_title, sql) => {
      await expect(db.query(sql)).resolves.toEqual(expect.any(Array));
    },
  );
});
