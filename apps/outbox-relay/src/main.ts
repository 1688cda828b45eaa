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
import { OutboxRelayModule } from './outbox-relay.module';
import { outboxRelayOptions } from './outbox-relay.options';

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<HttpApp>(OutboxRelayModule, createHttpAdapter(), nestAppOptions);
  app.useLogger(app.get(Logger));
  configureApp(app, outboxRelayOptions);
  await listenAndAnnounce(app, outboxRelayOptions.name);
}

// Started as `node main.js`; the start-up failure tests import bootstrap instead.
if (require.main === module) {
  bootstrap().catch(exitOnStartupFailure(outboxRelayOptions.name));
}
