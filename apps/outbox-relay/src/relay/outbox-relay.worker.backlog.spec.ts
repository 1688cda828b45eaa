import { DataSource } from 'typeorm';
import { RelayConfig } from '@app/config';
import { ClaimedSourceRow, SourceOutboxRepository } from '@app/entities';
import { SourceOutboxPublisher } from '@app/messaging';
import { SourceOutboxStatus } from '@app/state-machines';
import { OutboxNotifications } from './outbox-notifications';
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

describe('outbox relay working off a backlog', () => {
  it('publishes two full batches at a time while batches come back full, each row once', async () => {
    const published: string[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const publisher = {
      publishClaimed: async (_tx: unknown, claimed: ClaimedSourceRow[]) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        published.push(...claimed.map((row) => row.id));
        inFlight -= 1;
        return { processedCount: claimed.length, successCount: claimed.length, failedCount: 0 };
      },
    } as unknown as SourceOutboxPublisher;
    const notifications = {
      listen: async () => undefined,
      interrupt: () => undefined,
      waitForNotification: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20))),
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
    const deadline = Date.now() + 5_000;
    while (published.length < 6 * BATCH + 10 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await worker.beforeApplicationShutdown();

    expect(published).toHaveLength(6 * BATCH + 10);
    expect(new Set(published).size).toBe(6 * BATCH + 10);
    expect(mostInFlight).toBe(2);
  });
});
