import { DynamicModule, Module } from '@nestjs/common';
import { MqTraceRepository } from '@app/entities';
import { metricGroupProviders, MqProviderMetrics } from '@app/observability';
import { ConfirmedPublisher } from './confirmed.publisher';
import { DeadLetterQueue } from './dead-letter-queue.service';
import { BROKER_AT_START, BrokerAtStart, RabbitConnection } from './rabbit.connection';
import { SourceOutboxPublisher } from './source-outbox.publisher';

/** The broker connection and what runs on it. */
@Module({})
export class MessagingModule {
  /** With `required` the app fails to start while RabbitMQ is unreachable; with `optional` it starts without it. */
  static forApp(atStart: BrokerAtStart = 'required'): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        ConfirmedPublisher,
        DeadLetterQueue,
        ...metricGroupProviders([MqProviderMetrics]),
        MqTraceRepository,
        RabbitConnection,
        { provide: BROKER_AT_START, useValue: atStart },
      ],
      exports: [ConfirmedPublisher, DeadLetterQueue, MqTraceRepository, RabbitConnection],
    };
  }
}

/** The relay's publish-and-record step, for outbox-relay and admin-api replay (needs SourceOutboxMetrics). */
@Module({})
export class SourceOutboxPublishingModule {
  static forApp(atStart: BrokerAtStart = 'required'): DynamicModule {
    const messaging = MessagingModule.forApp(atStart);
    return {
      module: SourceOutboxPublishingModule,
      imports: [messaging],
      providers: [SourceOutboxPublisher],
      exports: [messaging, SourceOutboxPublisher],
    };
  }
}
