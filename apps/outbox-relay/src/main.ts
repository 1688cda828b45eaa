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
import { RelayConfig } from './outbox-relay.config';
import { OutboxRelayModule } from './outbox-relay.module';
import { outboxRelayOptions } from './outbox-relay.options';

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<HttpApp>(OutboxRelayModule, createHttpAdapter(), nestAppOptions);
  const logger = app.get(Logger);
  app.useLogger(logger);
  configureApp(app, outboxRelayOptions);
  const config = app.get<RelayConfig>(APP_CONFIG);
  enforceShutdownTimeout(config.SHUTDOWN_TIMEOUT);
  await app.listen(config.PORT, '::');
  logger.log(
    { msg: `${outboxRelayOptions.name} started`, version: config.APP_VERSION, port: config.PORT },
    'Bootstrap',
  );
}

// Started as `node main.js`; the start-up failure tests import bootstrap instead.
if (require.main === module) {
  bootstrap().catch(exitOnStartupFailure(outboxRelayOptions.name));
}
