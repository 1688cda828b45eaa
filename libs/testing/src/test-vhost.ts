import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import amqplib, { Channel, ChannelModel } from 'amqplib';
import { testEnvironment } from './test-environment';

const run = promisify(execFile);

/** What the broker itself reports for one queue. */
export interface QueueCounts {
  /** Ready plus unacknowledged: every message the queue still holds. */
  messages: number;
  ready: number;
  /** Delivered to a consumer and not settled yet. */
  unacked: number;
  consumers: number;
}

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
  /**
   * The broker's own counts for a queue (`rabbitmqctl list_queues`). A quorum queue refreshes them every few
   * seconds (and counts a cancelled consumer until its deliveries are settled), so wait for the state a test
   * expects rather than reading it once.
   */
  queueCounts(queue: string): Promise<QueueCounts>;
  /**
   * Deliveries not settled yet and consumers registered, summed over the vhost's open channels
   * (`rabbitmqctl list_channels`): read from the channels themselves, so exact at once.
   */
  channelCounts(): Promise<{ unacked: number; consumers: number }>;
  drop(): Promise<void>;
}

async function rabbitmqctl(...args: string[]): Promise<string> {
  return (await run(testEnvironment.RABBITMQCTL, args, { timeout: 30_000 })).stdout;
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
    async queueCounts(queue) {
      const output = await rabbitmqctl(
        'list_queues',
        '-p',
        name,
        '--quiet',
        '--no-table-headers',
        'name',
        'messages',
        'messages_ready',
        'messages_unacknowledged',
        'consumers',
      );
      const row = output
        .split('\n')
        .map((line) => line.split('\t'))
        .find(([queueName]) => queueName === queue);
      if (row === undefined) {
        throw new Error(`queue ${queue} not found in vhost ${name}`);
      }
      const [messages, ready, unacked, consumers] = row.slice(1).map(Number);
      return { messages, ready, unacked, consumers };
    },
    async channelCounts() {
      const output = await rabbitmqctl(
        'list_channels',
        '--quiet',
        '--no-table-headers',
        'vhost',
        'messages_unacknowledged',
        'consumer_count',
      );
      const counts = { unacked: 0, consumers: 0 };
      for (const [vhost, unacked, consumers] of output.split('\n').map((line) => line.split('\t'))) {
        if (vhost === name) {
          counts.unacked += Number(unacked);
          counts.consumers += Number(consumers);
        }
      }
      return counts;
    },
    async drop() {
      await rabbitmqctl('delete_vhost', name);
    },
  };
}
