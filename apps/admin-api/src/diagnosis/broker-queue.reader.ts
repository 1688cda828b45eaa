import { Injectable, Logger } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import { EVENT_STORE_DLQ, EVENT_STORE_QUEUE, RabbitConnection } from '@app/messaging';
import { QueueState } from './diagnosis.walk';

/** A diagnosis must answer during a broker outage, which is when it is needed: the broker gets this long. */
const BROKER_ANSWER_TIMEOUT_MS = 2_000;

export interface BrokerQueues {
  queue: QueueState | null;
  deadLetterQueue: QueueState | null;
}

const UNKNOWN: BrokerQueues = { queue: null, deadLetterQueue: null };

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`no answer from RabbitMQ within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Depth and consumers of the event-store queue and its DLQ from a passive declare (`queue.declare` with passive set),
 * which RabbitMQ answers with both counts without the management plugin. Unknown (null) with MQ_PROVIDER=none or
 * while the broker does not answer.
 */
@Injectable()
export class BrokerQueueReader {
  private readonly logger = new Logger(BrokerQueueReader.name);
  private channel: Promise<ChannelWrapper> | null = null;

  constructor(private readonly connection: RabbitConnection) {}

  async read(): Promise<BrokerQueues> {
    if (!this.connection.enabled || !this.connection.isConnected()) {
      return UNKNOWN;
    }
    try {
      const channel = await within(this.openChannel(), BROKER_ANSWER_TIMEOUT_MS);
      const [queue, deadLetterQueue] = await within(
        Promise.all([channel.checkQueue(EVENT_STORE_QUEUE), channel.checkQueue(EVENT_STORE_DLQ)]),
        BROKER_ANSWER_TIMEOUT_MS,
      );
      return {
        queue: { messageCount: queue.messageCount, consumerCount: queue.consumerCount },
        deadLetterQueue: { messageCount: deadLetterQueue.messageCount, consumerCount: deadLetterQueue.consumerCount },
      };
    } catch (error) {
      this.logger.warn({ msg: 'queue depths unknown: RabbitMQ did not answer', error: (error as Error).message });
      return UNKNOWN;
    }
  }

  private openChannel(): Promise<ChannelWrapper> {
    this.channel ??= this.connection.createChannel('diagnosis').catch((error: unknown) => {
      this.channel = null;
      throw error;
    });
    return this.channel;
  }
}
