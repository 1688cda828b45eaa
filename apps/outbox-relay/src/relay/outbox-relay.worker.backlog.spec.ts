import { DataSource } from 'typeorm';
import { ClaimedSourceRow, OutboxNotifications, SourceOutboxRepository } from '@app/entities';
import { SourceOutboxPublisher } from '@app/messaging';
import { SourceOutboxStatus } from '@app/state-machines';
import { RelayConfig } from '../outbox-relay.config';
import { OutboxRelayWorker } from './outbox-relay.worker';

const BATCH = 500;

function rows(count: number, from: number): ClaimedSourceRow[] {
  return Array.from({ length: count }, (_, index) => ({
    id: String(from + index),
    eventId: `e-${from + index}`,
    eventName: 'ui.page.viewed',
    payload: {},
    status: SourceOutboxStatus.Pending,
    retryCount: 0,
    claimedAt: new Date().toISOString(),
  }));
}

/** A source outbox holding `backlog` due rows, claimed in id order as SKIP LOCKED would hand them out. */
function fakeOutbox(backlog: number): SourceOutboxRepository {
  let next = 1;
  return {
    claimDue: async (_tx: unknown, limit: number) => {
      const count = Math.max(0, Math.min(limit, backlog - next + 1));
      const claimed = rows(count, next);
      next += count;
      return claimed;
    },
  } as unknown as SourceOutboxRepository;
}

/** Lets every promise chain that can move without I/O or timers move. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('outbox relay working off a backlog', () => {
  it('publishes two full batches at a time while batches come back full, each row once', async () => {
    const published: string[] = [];
    // Each publish waits until the test lets it finish: concurrency is read while nothing can complete.
    let inHand: (() => void)[] = [];
    const publisher = {
      publishClaimed: (_tx: unknown, claimed: ClaimedSourceRow[]) =>
        new Promise((resolve) =>
          inHand.push(() => {
            published.push(...claimed.map((row) => row.id));
            resolve({ processedCount: claimed.length, successCount: claimed.length, failedCount: 0 });
          }),
        ),
    } as unknown as SourceOutboxPublisher;
    let wake: (() => void) | null = null;
    const notifications = {
      listen: async () => undefined,
      interrupt: () => wake?.(),
      waitForNotification: () => new Promise<void>((resolve) => (wake = resolve)),
    } as unknown as OutboxNotifications;
    const dataSource = { transaction: (work: (tx: unknown) => Promise<unknown>) => work({}) } as unknown as DataSource;
    const config = {
      RELAY_BATCH_SIZE: BATCH,
      MQ_PROVIDER: 'rabbitmq',
      RELAY_POLL_INTERVAL: 1_000,
      RELAY_RETRY_BASE_DELAY: 10_000,
      RELAY_RETRY_MAX_DELAY: 640_000,
      RELAY_MAX_RETRIES: 0,
    } as RelayConfig;
    const worker = new OutboxRelayWorker(config, dataSource, fakeOutbox(6 * BATCH + 10), publisher, notifications);

    await worker.onApplicationBootstrap();
    const batchesAtOnce: number[] = [];
    for (;;) {
      await settle();
      if (inHand.length === 0) {
        break;
      }
      batchesAtOnce.push(inHand.length);
      const finishing = inHand;
      inHand = [];
      finishing.forEach((finish) => finish());
    }
    await worker.beforeApplicationShutdown();

    // One batch first; once it came back full, two at a time until a batch comes back short (the last 10 rows).
    expect(batchesAtOnce).toEqual([1, 2, 2, 2]);
    expect(published).toHaveLength(6 * BATCH + 10);
    expect(new Set(published).size).toBe(6 * BATCH + 10);
  });
});
