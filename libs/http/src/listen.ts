import { Logger } from 'nestjs-pino';
import { APP_CONFIG, CoreConfig } from '@app/config';
import { HttpApp } from './nest-app';
import { enforceShutdownTimeout } from './shutdown-timeout';

/**
 * The end of every main.ts's bootstrap: SHUTDOWN_TIMEOUT enforced, the HTTP server on PORT, the app's transports
 * (if any) started, then the one start-up line.
 */
export async function listenAndAnnounce(app: HttpApp, appName: string): Promise<void> {
  const config = app.get<CoreConfig & { PORT: number }>(APP_CONFIG);
  enforceShutdownTimeout(config.SHUTDOWN_TIMEOUT);
  await app.listen(config.PORT, '::');
  await app.startAllMicroservices();
  app.get(Logger).log({ msg: `${appName} started`, version: config.APP_VERSION, port: config.PORT }, 'Bootstrap');
}
