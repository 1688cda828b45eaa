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
import { AdminConfig } from './admin-api.config';
import { AdminApiModule } from './admin-api.module';
import { adminApiOptions } from './admin-api.options';

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<HttpApp>(AdminApiModule, createHttpAdapter(), nestAppOptions);
  const logger = app.get(Logger);
  app.useLogger(logger);
  configureApp(app, adminApiOptions);
  const config = app.get<AdminConfig>(APP_CONFIG);
  enforceShutdownTimeout(config.SHUTDOWN_TIMEOUT);
  await app.listen(config.PORT, '::');
  logger.log({ msg: `${adminApiOptions.name} started`, version: config.APP_VERSION, port: config.PORT }, 'Bootstrap');
}

// Started as `node main.js`; the start-up failure tests import bootstrap instead.
if (require.main === module) {
  bootstrap().catch(exitOnStartupFailure(adminApiOptions.name));
}
