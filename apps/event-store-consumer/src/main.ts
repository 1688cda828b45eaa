import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import {
  configureApp,
  createHttpAdapter,
  exitOnStartupFailure,
  HttpApp,
  listenAndAnnounce,
  nestAppOptions,
} from '@app/http';
import { EventStoreConsumerModule } from './event-store-consumer.module';
import { eventStoreConsumerOptions } from './event-store-consumer.options';

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<HttpApp>(EventStoreConsumerModule, createHttpAdapter(), nestAppOptions);
  app.useLogger(app.get(Logger));
  configureApp(app, eventStoreConsumerOptions);
  await listenAndAnnounce(app, eventStoreConsumerOptions.name);
}

// Started as `node main.js`; the start-up failure tests import bootstrap instead.
if (require.main === module) {
  bootstrap().catch(exitOnStartupFailure(eventStoreConsumerOptions.name));
}
