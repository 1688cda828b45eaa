import { CanonicalEvent, SourceOutboxRepository } from '@app/entities';
import { canonicalEvent } from '@app/testing';
import { IngestConfig } from '../ingest-api.config';
import { CommitTimeoutError, OutboxBackloggedError, OutboxWriter } from './outbox.writer';

interface Statement {
  eventIds: string[];
  abandon: AbortSignal;
  succeed(): void;
  fail(): void;
}

/** Stands in for the repository: every statement waits until the test settles it. */
class HeldStatements {
  readonly open: Statement[] = [];
  mostAtOnce = 0;

  insertEvents(events: CanonicalEvent[], _payloads: string[], _deadline: Date, abandon: AbortSignal) {
    return new Promise<string[]>((resolve, reject) => {
      const statement: Statement = {
        eventIds: events.map((event) => event.eventId),
        abandon,
        succeed: () => this.close(statement, () => resolve(statement.eventIds)),
        fail: () => this.close(statement, () => reject(new Error('refused'))),
      };
      this.open.push(statement);
      this.mostAtOnce = Math.max(this.mostAtOnce, this.open.length);
    });
  }

  succeedAll(): void {
    [...this.open].forEach((statement) => statement.succeed());
  }

  private close(statement: Statement, settle: () => void): void {
    this.open.splice(this.open.indexOf(statement), 1);
    settle();
  }
}

function writer(statements: HeldStatements, config: Partial<IngestConfig> = {}): OutboxWriter {
  return new OutboxWriter(
    statements as unknown as SourceOutboxRepository,
    {
      INGEST_COMMIT_TIMEOUT: 5_000,
      INGEST_MAX_PENDING_BYTES: 1_048_576,
      ...config,
    } as IngestConfig,
  );
}

function write(target: OutboxWriter, count = 1) {
  const events = Array.from({ length: count }, () => canonicalEvent());
  const outcome = target.write(
    events,
    events.map((event) => JSON.stringify(event)),
  );
  outcome.catch(() => undefined);
  return outcome;
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('OutboxWriter', () => {
  afterEach(() => jest.useRealTimers());

  it('retries the requests of a failed shared statement one by one, never more than 4 statements at once', async () => {
    const statements = new HeldStatements();
    const target = writer(statements);
    const outcomes = Array.from({ length: 40 }, () => write(target));
    expect(statements.open).toHaveLength(4);
    statements.succeedAll();
    await settled();
    // The 36 requests that waited share one statement; it fails, so each is retried alone.
    expect(statements.open).toHaveLength(1);
    expect(statements.open[0].eventIds).toHaveLength(36);
    statements.open[0].fail();
    await settled();
    while (statements.open.length > 0) {
      statements.succeedAll();
      await settled();
    }
    expect(await Promise.all(outcomes)).toEqual(Array(40).fill(1));
    expect(statements.mostAtOnce).toBe(4);
  });

  it('answers at once while the payloads waiting for a commit exceed INGEST_MAX_PENDING_BYTES', async () => {
    const statements = new HeldStatements();
    const target = writer(statements, { INGEST_MAX_PENDING_BYTES: 65_536 });
    const waiting = Array.from({ length: 100 }, () => write(target));
    await expect(write(target, 150)).rejects.toBeInstanceOf(OutboxBackloggedError);
    statements.succeedAll();
    await settled();
    statements.succeedAll();
    expect(await Promise.all(waiting)).toEqual(Array(100).fill(1));
    const later = write(target, 150);
    statements.succeedAll();
    expect(await later).toBe(150);
  });

  it('answers every request at INGEST_COMMIT_TIMEOUT and gives up its statement', async () => {
    jest.useFakeTimers();
    const statements = new HeldStatements();
    const target = writer(statements);
    const inFlight = write(target);
    const queued = Array.from({ length: 10 }, () => write(target));
    jest.advanceTimersByTime(4_999);
    expect(statements.open[0].abandon.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    await expect(inFlight).rejects.toBeInstanceOf(CommitTimeoutError);
    for (const outcome of queued) {
      await expect(outcome).rejects.toBeInstanceOf(CommitTimeoutError);
    }
    expect(statements.open.every((statement) => statement.abandon.aborted)).toBe(true);
  });
});
