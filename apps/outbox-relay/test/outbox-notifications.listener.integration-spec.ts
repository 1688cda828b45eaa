import { OutboxNotifications, SOURCE_OUTBOX_CHANNEL } from '@app/entities';
import { createTestDatabase, FaultProxy, sleep, TestDatabase, waitFor } from '@app/testing';

const APPLICATION = 'outbox-relay-listen';

describe('OutboxNotifications', () => {
  let db: TestDatabase;
  let notifications: OutboxNotifications;

  beforeAll(async () => {
    db = await createTestDatabase('relay_notify');
    notifications = new OutboxNotifications({
      url: db.url,
      channel: SOURCE_OUTBOX_CHANNEL,
      applicationName: APPLICATION,
    });
    await notifications.listen();
  });

  afterAll(async () => {
    await notifications.onApplicationShutdown();
    await db.drop();
  });

  async function wakesBefore(timeoutMs: number): Promise<boolean> {
    const outcome = await Promise.race([
      notifications.waitForNotification(60_000).then(() => 'woken'),
      sleep(timeoutMs).then(() => 'slept'),
    ]);
    return outcome === 'woken';
  }

  it('keeps a notification that arrives while the relay is busy, so the next wait returns at once', async () => {
    await db.query(`SELECT pg_notify('${SOURCE_OUTBOX_CHANNEL}', '')`);
    const listeners = await waitFor(
      'the notification to reach the listener',
      () => (notifications as unknown as { missed: boolean }).missed,
      (missed) => missed,
    );
    expect(listeners).toBe(true);
    expect(await wakesBefore(10_000)).toBe(true);
  });

  it('wakes a waiting relay on NOTIFY', async () => {
    const woken = wakesBefore(10_000);
    await db.query(`SELECT pg_notify('${SOURCE_OUTBOX_CHANNEL}', '')`);
    expect(await woken).toBe(true);
  });

  it('wakes every waiting loop and every subscriber on one NOTIFY', async () => {
    let heard = 0;
    notifications.subscribe(() => heard++);
    const woken = Promise.all([wakesBefore(10_000), wakesBefore(10_000)]);
    await db.query(`SELECT pg_notify('${SOURCE_OUTBOX_CHANNEL}', '')`);
    expect(await woken).toEqual([true, true]);
    expect(heard).toBe(1);
  });
});

describe('OutboxNotifications behind a connection that is reset', () => {
  let db: TestDatabase;
  let proxy: FaultProxy;
  let notifications: OutboxNotifications;

  beforeAll(async () => {
    db = await createTestDatabase('relay_notify_reset');
    const forwarded = await FaultProxy.forUrl(db.url);
    proxy = forwarded.proxy;
    notifications = new OutboxNotifications({
      url: forwarded.url,
      channel: SOURCE_OUTBOX_CHANNEL,
      applicationName: APPLICATION,
    });
    await notifications.listen();
  });

  afterAll(async () => {
    await notifications.onApplicationShutdown();
    await proxy.close();
    await db.drop();
  });

  async function listeningPids(): Promise<number[]> {
    const rows = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query = $2`, [
      db.name,
      `LISTEN ${SOURCE_OUTBOX_CHANNEL}`,
    ]);
    return rows.map((row) => row.pid);
  }

  it('wakes a waiting relay on a NOTIFY sent after its LISTEN connection was reset', async () => {
    const [old] = await waitFor('the LISTEN connection', listeningPids, (pids) => pids.length === 1);
    proxy.cut();
    proxy.restore();
    await waitFor('a new LISTEN connection', listeningPids, (pids) => pids.length === 1 && pids[0] !== old);

    const woken = Promise.race([
      notifications.waitForNotification(60_000).then(() => 'woken'),
      sleep(20_000).then(() => 'slept'),
    ]);
    await db.query(`SELECT pg_notify('${SOURCE_OUTBOX_CHANNEL}', '')`);
    expect(await woken).toBe('woken');
  });
});
