import { AppOptions } from '@app/http';
import { RabbitBatchTransport } from '@app/messaging';
import { EVENT_STORE_CONSUMER } from './event-store-consumer.module';

export const eventStoreConsumerOptions: AppOptions = {
  name: EVENT_STORE_CONSUMER,
  microservice: (app) => app.get(RabbitBatchTransport),
};
