/** Anything that runs SQL: the DataSource, or the EntityManager of an open transaction. */
export interface SqlExecutor {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}
