import { FactoryProvider } from '@nestjs/common';
import { APP_CONFIG } from '@app/config';
import { EVENT_STORE_DELIVERY_LIMIT, EVENT_STORE_QUEUE, RabbitBatchTransport, RabbitConnection } from '@app/messaging';
import { EventStoreConfig } from '../event-store-consumer.config';

/** First delay after a failed batch; it doubles up to EVENT_STORE_RETRY_MAX_DELAY. */
const EVENT_STORE_RETRY_BASE_DELAY_MS = 100;

/** The transport `EventStoreConsumer` is served by, with how the event-store queue is consumed. */
export const eventStoreTransport: FactoryProvider<RabbitBatchTransport> = {
  provide: RabbitBatchTransport,
  inject: [APP_CONFIG, RabbitConnection],
  useFactory: (config: EventStoreConfig, connection: RabbitConnection) =>
    new RabbitBatchTransport(connection, {
      queues: {
        [EVENT_STORE_QUEUE]: {
          name: 'event-store-consumer',
          prefetch: config.EVENT_STORE_PREFETCH,
          batchSize: config.EVENT_STORE_BATCH_SIZE,
          batchesInFlight: config.EVENT_STORE_BATCHES_IN_FLIGHT,
          batchWaitMs: config.EVENT_STORE_BATCH_WAIT,
          retryBaseDelayMs: EVENT_STORE_RETRY_BASE_DELAY_MS,
          retryMaxDelayMs: config.EVENT_STORE_RETRY_MAX_DELAY,
          deliveryLimit: EVENT_STORE_DELIVERY_LIMIT,
        },
      },
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT,
    }),
};
