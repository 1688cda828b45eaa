import { exitOnStartupFailure } from '@app/http';
import { captureStartupFailure, FaultProxy } from '@app/testing';
import { ingestApiOptions } from '../src/ingest-api.options';
import { bootstrap } from '../src/main';

describe('ingest-api start-up failures', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it('exits 1 with one line naming the masked database URL and how to start PostgreSQL', async () => {
    const closed = await FaultProxy.start('127.0.0.1', 5432);
    closed.cut();
    const port = closed.port;
    process.env.DATABASE_URL = `postgres://postgres:hunter2@127.0.0.1:${port}/user_activity`;
    process.env.PORT = '0';

    const failure = await captureStartupFailure(() => bootstrap().catch(exitOnStartupFailure(ingestApiOptions.name)));
    await closed.close();

    expect(failure.exitCode).toBe(1);
    expect(failure.stderrLines).toHaveLength(1);
    expect(failure.stderrLines[0]).toContain(
      `ingest-api: PostgreSQL is unreachable at postgres://postgres:****@127.0.0.1:${port}/user_activity`,
    );
    expect(failure.stderrLines[0]).toContain('migration:run');
    expect(failure.stderrLines[0]).not.toContain('hunter2');
  });

  it('exits 1 listing every bad variable at once', async () => {
    process.env.PORT = 'eighty';
    process.env.ANALYTICS_INGEST_RATE_LIMIT_WINDOW = 'one minute';

    const failure = await captureStartupFailure(() => bootstrap().catch(exitOnStartupFailure(ingestApiOptions.name)));

    expect(failure.exitCode).toBe(1);
    const output = failure.stderrLines.join('\n');
    expect(output).toContain('PORT');
    expect(output).toContain('ANALYTICS_INGEST_RATE_LIMIT_WINDOW');
  });
});
