import { Module } from '@nestjs/common';
import { ConfirmedPublisher } from './confirmed-publisher';
import { MqTraceWriter } from './mq-trace.writer';
import { RabbitConnection } from './rabbit-connection';
import { SourceOutboxPublisher } from './source-outbox.publisher';

@Module({
  providers: [ConfirmedPublisher, MqTraceWriter, RabbitConnection],
  exports: [ConfirmedPublisher, MqTraceWriter, RabbitConnection],
})
export class MessagingModule {}

/** The relay's publish-and-record step, for outbox-relay and admin-api replay (needs SourceOutboxMetrics). */
@Module({
  imports: [MessagingModule],
  providers: [SourceOutboxPublisher],
  exports: [MessagingModule, SourceOutboxPublisher],
})
export class SourceOutboxPublishingModule {}
