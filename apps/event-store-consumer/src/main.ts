import { runApp } from '@app/http';
import { EventStoreConsumerModule } from './event-store-consumer.module';
import { eventStoreConsumerOptions } from './event-store-consumer.options';

void runApp(EventStoreConsumerModule, eventStoreConsumerOptions);
