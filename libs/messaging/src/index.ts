export * from './confirmed-publisher';
export * from './event-message';
export * from './messaging.module';
export * from './mq-trace.writer';
export * from './rabbit-connection';
export * from './topology';
export * from './source-outbox.publisher';
export * from './batching-consumer';
