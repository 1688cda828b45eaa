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
import { IngestConfig } from './ingest-api.config';
import { IngestApiModule } from './ingest-api.module';
import { ingestApiOptions } from './ingest-api.options';

export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<HttpApp>(IngestApiModule, createHttpAdapter(), nestAppOptions);
  const logger = app.get(Logger);
  app.useLogger(logger);
  configureApp(app, ingestApiOptions);
  const config = app.get<IngestConfig>(APP_CONFIG);
  enforceShutdownTimeout(config.SHUTDOWN_TIMEOUT);
  await app.listen(config.PORT, '::');
  logger.log({ msg: `${ingestApiOptions.name} started`, version: config.APP_VERSION, port: config.PORT }, 'Bootstrap');
}

// Started as `node main.js`; the start-up failure tests import bootstrap instead.
if (require.main === module) {
  bootstrap().catch(exitOnStartupFailure(ingestApiOptions.name));
}
