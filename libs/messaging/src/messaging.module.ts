import { Module } from '@nestjs/common';
import { ConfirmedPublisher } from './confirmed-publisher';
import { MqTraceWriter } from './mq-trace.writer';
import { RabbitConnection } from './rabbit-connection';

@Module({
  providers: [ConfirmedPublisher, MqTraceWriter, RabbitConnection],
  exports: [ConfirmedPublisher, MqTraceWriter, RabbitConnection],
})
export class MessagingModule {}
