import type { DataSource } from 'typeorm';
import { SqlExecutor } from '@app/entities';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** What a statement reads: its scans (e.g. `Index Only Scan idx_… on table`) and the pages it touched running. */
export interface PlanCost {
  scans: string[];
  buffers: number;
  /** Whether the planner JIT-compiled the statement, which takes longer than a cheap statement runs. */
  jit: boolean;
}

function scansOf(node: PlanNode): string[] {
  const own = /Scan/.test(node['Node Type']) && node['Relation Name'] !== undefined;
  const scan = `${node['Node Type']} ${node['Index Name'] ?? ''} on ${node['Relation Name']}`;
  return [...(own ? [scan] : []), ...(node.Plans ?? []).flatMap(scansOf)];
}

async function explain(executor: SqlExecutor, options: string, statement: { sql: string; parameters: unknown[] }) {
  const [row] = await executor.query<{ 'QUERY PLAN': [{ Plan: PlanNode; JIT?: unknown }] }[]>(
    `EXPLAIN (${options}) ${statement.sql}`,
    statement.parameters,
  );
  return row['QUERY PLAN'][0];
}

/**
 * The plan EXPLAIN chooses, and the pages the statement touches when it runs (EXPLAIN ANALYZE: run it in a
 * transaction that is rolled back when it changes rows). A node's buffers include those of the nodes below it.
 */
export async function costOf(
  executor: SqlExecutor,
  statement: { sql: string; parameters: unknown[] },
): Promise<PlanCost> {
  const { Plan: plan } = await explain(executor, 'FORMAT JSON', statement);
  const { Plan: ran, JIT: jit } = await explain(executor, 'ANALYZE, BUFFERS, FORMAT JSON', statement);
  return {
    scans: scansOf(plan),
    buffers: (ran['Shared Hit Blocks'] ?? 0) + (ran['Shared Read Blocks'] ?? 0),
    jit: jit !== undefined,
  };
}

/** A statement as the code under test sent it. */
export interface RecordedStatement {
  sql: string;
  parameters: unknown[];
}

/** Runs `work` with `dataSource.query` recorded, and gives back the statements it ran (to hand to `costOf`). */
export async function recordedStatements(
  dataSource: DataSource,
  work: () => Promise<unknown>,
): Promise<RecordedStatement[]> {
  const statements: RecordedStatement[] = [];
  const query = dataSource.query.bind(dataSource);
  const spy = jest.spyOn(dataSource, 'query').mockImplementation((sql: string, parameters?: unknown) => {
    statements.push({ sql, parameters: (parameters as unknown[] | undefined) ?? [] });
    return query(sql, parameters as unknown[] | undefined);
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return statements;
}
