import { ConfigValidationError, coreSchema, loadConfig, maskUrl } from '@app/config';

interface ErrnoLike {
  code?: string;
  message?: string;
}

/** One line that says what is wrong and how to fix it, for the errors that stop an app at start-up. */
export function startupFailureLine(error: unknown): string {
  if (error instanceof ConfigValidationError) {
    return error.message;
  }
  const known = error as ErrnoLike;
  const message = known?.message ?? String(error);
  if (error instanceof Error && error.name === 'BrokerUnreachableError') {
    return message;
  }
  const databaseCodes = ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', '3D000', '28P01', '57P03'];
  if (databaseCodes.includes(known?.code ?? '') || /connect|terminat|database/i.test(message)) {
    let url = '(DATABASE_URL)';
    try {
      url = maskUrl(loadConfig(coreSchema).DATABASE_URL);
    } catch {
      // the config error itself is reported elsewhere
    }
    return (
      `PostgreSQL is unreachable at ${url} (${message}); start it (pg_ctlcluster <version> main start, or ` +
      'docker compose up postgres), run npm run migration:run, or set DATABASE_URL'
    );
  }
  return `start-up failed: ${message}`;
}

/** The `.catch` of every main.ts's bootstrap: the app's name and startupFailureLine on stderr, then exit 1. */
export function exitOnStartupFailure(appName: string): (error: unknown) => never {
  return (error) => {
    process.stderr.write(`${appName}: ${startupFailureLine(error)}\n`);
    process.exit(1);
  };
}
