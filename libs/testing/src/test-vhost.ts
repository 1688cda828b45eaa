import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import amqplib, { Channel, ChannelModel } from 'amqplib';
import { testEnvironment } from './test-environment';

const run = promisify(execFile);

export interface TestVhost {
  name: string;
  url: string;
  /** A plain amqplib connection into the vhost, for inspecting and seeding queues. */
  connect(): Promise<{ connection: ChannelModel; channel: Channel }>;
  /**
   * Has the broker close this vhost's connections named `connectionName`, as it closes a channel whose delivery
   * outlived `consumer_timeout`: their unacked deliveries go back to the queue. Returns how many it closed.
   */
  closeConnections(connectionName: string): Promise<number>;
  drop(): Promise<void>;
}

async function rabbitmqctl(...args: string[]): Promise<void> {
  await run(testEnvironment.RABBITMQCTL, args, { timeout: 30_000 });
}

/** Its own RabbitMQ vhost per test file, so the exact topology names of DESIGN §6 can be used without collisions. */
export async function createTestVhost(label = 'test'): Promise<TestVhost> {
  const name = `ua_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await rabbitmqctl('add_vhost', name);
  await rabbitmqctl('set_permissions', '-p', name, 'guest', '.*', '.*', '.*');
  const url = new URL(testEnvironment.TEST_RABBITMQ_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async connect() {
      const connection = await amqplib.connect(url.toString());
      const channel = await connection.createChannel();
      return { connection, channel };
    },
    async closeConnections(connectionName) {
      // The table, not the JSON formatter: only the table prints pids in the form close_connection accepts.
      const { stdout } = await run(
        testEnvironment.RABBITMQCTL,
        ['list_connections', '-q', '--no-table-headers', 'pid', 'vhost', 'client_properties'],
        { timeout: 30_000 },
      );
      const pids = stdout
        .split('\n')
        .map((line) => line.split('\t'))
        .filter(
          ([, vhost, properties]) => vhost === name && properties?.includes(`{"connection_name","${connectionName}"}`),
        )
        .map(([pid]) => pid);
      for (const pid of pids) {
        await rabbitmqctl('close_connection', pid, 'closed by a test');
      }
      return pids.length;
    },
    async drop() {
      await rabbitmqctl('delete_vhost', name);
    },
  };
}
