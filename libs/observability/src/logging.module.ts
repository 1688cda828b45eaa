import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { DestinationStream, destination, stdTimeFunctions } from 'pino';
import { APP_CONFIG, APP_NAME, CoreConfig } from '@app/config';

/** Where log lines go: stdout in the apps; tests override it to read what an app logged. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

@Global()
@Module({
  providers: [{ provide: LOG_DESTINATION, useFactory: (): DestinationStream => destination({ fd: 1, sync: true }) }],
  exports: [LOG_DESTINATION],
})
class LogDestinationModule {}

/** JSON lines: time, level, app, context, msg and structured fields; credentials redacted. */
@Module({
  imports: [
    LogDestinationModule,
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG, APP_NAME, LOG_DESTINATION],
      useFactory: (config: CoreConfig, appName: string, stream: DestinationStream) => ({
        // No per-request child logger: no log line carries request fields, and pino-http's middleware cost a child
        // logger and an AsyncLocalStorage scope on every request. Log lines come from the root logger.
        forRoutes: [],
        pinoHttp: [
          {
            level: config.LOG_LEVEL,
            base: { app: appName },
            timestamp: stdTimeFunctions.isoTime,
            formatters: { level: (label: string) => ({ level: label }) },
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', 'authorization', 'token'],
              censor: '[redacted]',
            },
            autoLogging: false,
            quietReqLogger: true,
          },
          stream,
        ],
      }),
    }),
  ],
})
export class LoggingModule {}
