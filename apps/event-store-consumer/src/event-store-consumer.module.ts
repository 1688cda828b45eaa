import { Module } from '@nestjs/common';
import { AppConfigModule } from '@app/config';
import { DatabaseModule, DispatchOutboxEnqueueRepository, EventStoreRepository } from '@app/entities';
import { MessagingModule } from '@app/messaging';
import {
  DeadLetterMetrics,
  HealthModule,
  LoggingModule,
  MetricsModule,
  MqMetrics,
  StoreMetrics,
} from '@app/observability';
import { DeadLetterDepthGauge } from './dead-letters/dead-letter-depth.gauge';
import { eventStoreSchema } from './event-store-consumer.config';
import { DispatchEnqueueHook } from './store/dispatch-enqueue.hook';
import { EventStoreConsumer } from './store/event-store.consumer';
import { EventStoreService } from './store/event-store.service';
import { eventStoreTransport } from './store/event-store.transport';

export const EVENT_STORE_CONSUMER = 'event-store-consumer';

@Module({
  imports: [
    AppConfigModule.forApp(EVENT_STORE_CONSUMER, eventStoreSchema),
    DatabaseModule.forApp(),
    HealthModule,
    LoggingModule,
    MessagingModule.forApp(),
    MetricsModule.forApp([DeadLetterMetrics, MqMetrics, StoreMetrics]),
  ],
  controllers: [EventStoreConsumer],
  providers: [
    DeadLetterDepthGauge,
    DispatchEnqueueHook,
    DispatchOutboxEnqueueRepository,
    EventStoreRepository,
    EventStoreService,
    eventStoreTransport,
  ],
})
export class EventStoreConsumerModule {}
