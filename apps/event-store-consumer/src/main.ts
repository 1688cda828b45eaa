import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { APP_CONFIG } from '@app/config';
import {
  configureApp,
  createHttpAdapter,
  enforceShutdownTimeout,
  exitOnStartupFailure,
  HttpApp,
  nestAppOptions,
} from '@app/http';
import { EventStoreConfig } from './event-store-consumer.config';
import { EventStoreConsumerModule } from './event-store-consumer.module';
import { eventStoreConsumerOptions } from './event-store-consumer.options';

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<HttpApp>(EventStoreConsumerModule, createHttpAdapter(), nestAppOptions);
  const logger = app.get(Logger);
  app.useLogger(logger);
  configureApp(app, eventStoreConsumerOptions);
  const config = app.get<EventStoreConfig>(APP_CONFIG);
  enforceShutdownTimeout(config.SHUTDOWN_TIMEOUT);
  await app.listen(config.PORT, '::');
  await app.startAllMicroservices();
  logger.log(
    { msg: `${eventStoreConsumerOptions.name} started`, version: config.APP_VERSION, port: config.PORT },
    'Bootstrap',
  );
}

// Started as `node main.js`; the start-up failure tests import bootstrap instead.
if (require.main === module) {
  bootstrap().catch(exitOnStartupFailure(eventStoreConsumerOptions.name));
}
