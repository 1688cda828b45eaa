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
import { IngestApiModule } from './ingest-api.module';
import { ingestApiOptions } from './ingest-api.options';

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<HttpApp>(IngestApiModule, createHttpAdapter(), nestAppOptions);
  app.useLogger(app.get(Logger));
  configureApp(app, ingestApiOptions);
  await listenAndAnnounce(app, ingestApiOptions.name);
}

// Started as `node main.js`; the start-up failure tests import bootstrap instead.
if (require.main === module) {
  bootstrap().catch(exitOnStartupFailure(ingestApiOptions.name));
}
