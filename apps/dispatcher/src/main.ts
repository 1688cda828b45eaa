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
import { DispatcherModule } from './dispatcher.module';
import { dispatcherOptions } from './dispatcher.options';

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<HttpApp>(DispatcherModule, createHttpAdapter(), nestAppOptions);
  app.useLogger(app.get(Logger));
  configureApp(app, dispatcherOptions);
  await listenAndAnnounce(app, dispatcherOptions.name);
}

// Started as `node main.js`; the start-up failure tests import bootstrap instead.
if (require.main === module) {
  bootstrap().catch(exitOnStartupFailure(dispatcherOptions.name));
}
