import { z } from 'zod';
import { env } from './config-fields';

/** What every app reads: its version and log level, its database, how long it may take to stop. */
export const coreSchema = z.object({
  APP_VERSION: env.string('0.1.0'),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  DATABASE_URL: env.url('postgres://postgres:postgres@127.0.0.1:5432/user_activity', ['postgres', 'postgresql']),
  DATABASE_POOL_SIZE: env.int(10, 1, 200),
  SHUTDOWN_TIMEOUT: env.durationMs('PT20S'),
});

/** The RabbitMQ connection of the apps that publish or consume. */
export const brokerSchema = z.object({
  RABBITMQ_URL: env.url('amqp://guest:guest@127.0.0.1:5672', ['amqp', 'amqps']),
  MQ_PROVIDER: env.oneOf(['rabbitmq', 'none'] as const, 'rabbitmq'),
  MQ_PUBLISH_TIMEOUT: env.durationMs('PT5S'),
});

/** How often backlog gauges re-read their counts (outbox-relay, dispatcher). */
export const gaugeRefreshSchema = z.object({
  GAUGE_REFRESH_INTERVAL: env.durationMs('PT5S'),
});

/** How long the dispatcher keeps a target's circuit open; admin-api reports the circuit by the same value. */
export const dispatchCircuitSchema = z.object({
  DISPATCH_CIRCUIT_OPEN_DURATION: env.durationMs('PT1M'),
});

export type CoreConfig = z.output<typeof coreSchema>;
export type BrokerConfig = z.output<typeof brokerSchema>;
