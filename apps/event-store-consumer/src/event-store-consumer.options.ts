import { AppOptions } from '@app/http';
import { EVENT_STORE_CONSUMER } from './event-store-consumer.module';

export const eventStoreConsumerOptions: AppOptions = { name: EVENT_STORE_CONSUMER };
