import { z } from 'zod';
import { env } from './config-fields';

/** Where the test helpers find the shared PostgreSQL server and RabbitMQ broker. */
export const testingSchema = z.object({
  TEST_POSTGRES_URL: env.url('postgres://postgres@127.0.0.1:5432/postgres', ['postgres', 'postgresql']),
  TEST_RABBITMQ_URL: env.url('amqp://guest:guest@127.0.0.1:5672', ['amqp']),
  RABBITMQCTL: env.string('rabbitmqctl'),
  /** The Prometheus server the alert test runs (Debian's `prometheus` package). */
  PROMETHEUS: env.string('prometheus'),
  /** Handed to the `npm start` a README test runs, which sees nothing else of the developer's environment. */
  PATH: env.optionalString(),
  HOME: env.optionalString(),
});
