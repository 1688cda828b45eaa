import type { ConfirmChannel } from 'amqplib';

export const USER_ACTIVITY_EXCHANGE = 'domain.user.activity';
export const EVENT_STORE_QUEUE = 'domain.user.activity.event-store';
export const DEAD_LETTER_EXCHANGE = 'domain.user.activity.dlx';
export const EVENT_STORE_DLQ = 'domain.user.activity.event-store.dlq';
export const EVENT_STORE_DELIVERY_LIMIT = 10;
export const MQ_PROVIDER_RABBITMQ = 'rabbitmq';

/** The arguments of the event-store queue; every declarer must pass exactly these or RabbitMQ refuses the queue. */
export const EVENT_STORE_QUEUE_ARGUMENTS = {
  'x-queue-type': 'quorum',
  'x-delivery-limit': EVENT_STORE_DELIVERY_LIMIT,
  'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
};

/** Declares (idempotently) the whole topology of DESIGN §6; run on every (re)connect of every app that uses it. */
export async function assertTopology(channel: ConfirmChannel): Promise<void> {
  await channel.assertExchange(USER_ACTIVITY_EXCHANGE, 'topic', { durable: true });
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true });
  await channel.assertQueue(EVENT_STORE_DLQ, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(EVENT_STORE_DLQ, DEAD_LETTER_EXCHANGE, '');
  await channel.assertQueue(EVENT_STORE_QUEUE, { durable: true, arguments: EVENT_STORE_QUEUE_ARGUMENTS });
  await channel.bindQueue(EVENT_STORE_QUEUE, USER_ACTIVITY_EXCHANGE, '#');
}
