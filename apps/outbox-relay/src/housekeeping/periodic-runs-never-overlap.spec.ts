import { RetentionRepository, SourceOutboxBacklog, SourceOutboxRepository } from '@app/entities';
import { SourceOutboxBacklogMetrics } from '@app/observability';
import { compileMetricGroups } from '@app/testing';
import { RelayConfig } from '../outbox-relay.config';
import { RetentionWorker } from './retention.worker';
import { SourceOutboxGauges } from './source-outbox.gauges';

const INTERVAL = 1_000;
const config = { GAUGE_REFRESH_INTERVAL: INTERVAL, RETENTION_INTERVAL: INTERVAL } as RelayConfig;

/** A query that answers only when the test lets it, counting how many were started. */
function slowQuery<T>(answer: T): { run: () => Promise<T>; started: () => number; finish: () => void } {
  let started = 0;
  const waiting: (() => void)[] = [];
  return {
    run: () => {
      started += 1;
      return new Promise<T>((resolve) => waiting.push(() => resolve(answer)));
    },
    started: () => started,
    finish: () => waiting.splice(0).forEach((resolve) => resolve()),
  };
}

describe('periodic database work of the relay on a slow database', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('starts no gauge refresh while one is still running, and refreshes again once it is done', async () => {
    const backlog: SourceOutboxBacklog = { pendingCount: 3, failedCount: 2, publishedCount: 10, oldestPendingAt: null };
    const query = slowQuery(backlog);
    const outbox = { backlog: query.run } as unknown as SourceOutboxRepository;
    const metrics = (await compileMetricGroups('outbox-relay', [SourceOutboxBacklogMetrics])).get(
      SourceOutboxBacklogMetrics,
    );
    const gauges = new SourceOutboxGauges(config, outbox, metrics);

    gauges.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(query.started()).toBe(1);

    query.finish();
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(query.started()).toBe(2);
    expect((await metrics.pending.get()).values[0].value).toBe(3);
    query.finish();
    await gauges.beforeApplicationShutdown();
  });

  it('starts no retention run while one is still running, and runs again once it is done', async () => {
    const query = slowQuery(0);
    const retention = { deleteBatch: query.run } as unknown as RetentionRepository;
    const worker = new RetentionWorker(config, retention);

    worker.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(query.started()).toBe(1);

    for (let batch = 0; batch < 3; batch++) {
      query.finish();
      await jest.advanceTimersByTimeAsync(0);
    }
    expect(query.started()).toBe(3);
    await jest.advanceTimersByTimeAsync(INTERVAL);
    expect(query.started()).toBe(4);
    query.finish();
    await worker.beforeApplicationShutdown();
  });
});
