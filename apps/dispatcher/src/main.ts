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
import { DispatcherConfig } from './dispatcher.config';
import { DispatcherModule } from './dispatcher.module';
import { dispatcherOptions } from './dispatcher.options';

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<HttpApp>(DispatcherModule, createHttpAdapter(), nestAppOptions);
  const logger = app.get(Logger);
  app.useLogger(logger);
  configureApp(app, dispatcherOptions);
  const config = app.get<DispatcherConfig>(APP_CONFIG);
  enforceShutdownTimeout(config.SHUTDOWN_TIMEOUT);
  await app.listen(config.PORT, '::');
  logger.log({ msg: `${dispatcherOptions.name} started`, version: config.APP_VERSION, port: config.PORT }, 'Bootstrap');
}

// Started as `node main.js`; the start-up failure tests import bootstrap instead.
if (require.main === module) {
  bootstrap().catch(exitOnStartupFailure(dispatcherOptions.name));
}
