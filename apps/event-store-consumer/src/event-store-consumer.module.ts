import { Module } from '@nestjs/common';
import { ConfigModule, eventStoreSchema } from '@app/config';
import { DatabaseModule, DispatchOutboxEnqueueRepository, EventStoreRepository } from '@app/entities';
import { MessagingModule } from '@app/messaging';
import { HealthModule, LoggingModule, MetricsModule, MqMetrics, StoreMetrics } from '@app/metrics';
import { DispatchEnqueueHook } from './store/dispatch-enqueue.hook';
import { EventStoreConsumer } from './store/event-store.consumer';
import { EventStoreService } from './store/event-store.service';

export const EVENT_STORE_CONSUMER = 'event-store-consumer';

@Module({
  imports: [
    ConfigModule.forApp(EVENT_STORE_CONSUMER, eventStoreSchema),
    DatabaseModule.forApp(),
    HealthModule,
    LoggingModule,
    MessagingModule,
    MetricsModule.forApp([MqMetrics, StoreMetrics]),
  ],
  providers: [
    DispatchEnqueueHook,
    DispatchOutboxEnqueueRepository,
    EventStoreConsumer,
    EventStoreRepository,
    EventStoreService,
  ],
})
export class EventStoreConsumerModule {}
