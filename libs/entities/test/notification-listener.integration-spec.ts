import { Client } from 'pg';
import { createTestDatabase, FaultProxy, TestDatabase, waitFor } from '@app/testing';
import { NotificationListener } from '../src/notification-listener';

const CHANNEL = 'listener_test';
const APPLICATION = 'listener-test';

describe('NotificationListener behind a connection that is reset', () => {
  let db: TestDatabase;
  let proxy: FaultProxy;
  let listener: NotificationListener;
  let received = 0;

  beforeAll(async () => {
    db = await createTestDatabase('listener');
    const forwarded = await FaultProxy.forUrl(db.url);
    proxy = forwarded.proxy;
    listener = new NotificationListener({
      url: forwarded.url,
      channel: CHANNEL,
      applicationName: APPLICATION,
      onNotification: () => received++,
    });
    await listener.start();
  });

  afterAll(async () => {
    await listener.stop();
    await proxy.close();
    await db.drop();
  });

  /** Backend pids of the listener's connections that are LISTENing now. */
  async function listeningPids(): Promise<number[]> {
    const rows = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND query = $3`,
      [db.name, APPLICATION, `LISTEN ${CHANNEL}`],
    );
    return rows.map((row) => row.pid);
  }

  function currentClient(): Client | null {
    return (listener as unknown as { client: Client | null }).client;
  }

  async function expectNotificationArrives(): Promise<void> {
    const before = received;
    await db.query(`SELECT pg_notify('${CHANNEL}', '')`);
    await waitFor(
      'the notification',
      () => received,
      (count) => count > before,
    );
  }

  async function resetAndWaitForNewConnection(): Promise<void> {
    const [old] = await waitFor('one LISTEN connection', listeningPids, (pids) => pids.length === 1);
    proxy.cut();
    proxy.restore();
    await waitFor('a new LISTEN connection', listeningPids, (pids) => pids.length === 1 && pids[0] !== old);
  }

  it('re-makes its connection after a reset, so a later NOTIFY still wakes the owner', async () => {
    await expectNotificationArrives();
    await resetAndWaitForNewConnection();
    await expectNotificationArrives();
  });

  it('keeps the current connection when a replaced one reports an error late, and ends it on stop', async () => {
    const replaced = currentClient();
    await resetAndWaitForNewConnection();
    const current = currentClient();
    expect(current).not.toBeNull();
    expect(current).not.toBe(replaced);

    replaced?.emit('error', new Error('late error of a replaced connection'));
    replaced?.emit('end');
    await expectNotificationArrives();
    expect(currentClient()).toBe(current);

    await listener.stop();
    await waitFor('no connection left behind', listeningPids, (pids) => pids.length === 0);
  });
});
