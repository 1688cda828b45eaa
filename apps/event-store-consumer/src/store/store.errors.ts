/** The after-store hook (dispatch enqueue) failed: the transaction is rolled back and the batch retried. */
export class StoreHookError extends Error {
  constructor(override readonly cause: unknown) {
    super(`after-store hook failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = StoreHookError.name;
  }
}

/** PostgreSQL refused an event's own values (a NUL character, a date out of range): retrying cannot help. */
export class EventRefusedError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = EventRefusedError.name;
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation) depend on the data, not the moment. */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
