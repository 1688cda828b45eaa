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
import { AdminApiModule } from './admin-api.module';
import { adminApiOptions } from './admin-api.options';

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<HttpApp>(AdminApiModule, createHttpAdapter(), nestAppOptions);
  app.useLogger(app.get(Logger));
  configureApp(app, adminApiOptions);
  await listenAndAnnounce(app, adminApiOptions.name);
}

// Started as `node main.js`; the start-up failure tests import bootstrap instead.
if (require.main === module) {
  bootstrap().catch(exitOnStartupFailure(adminApiOptions.name));
}
