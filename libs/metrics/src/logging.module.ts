import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { stdTimeFunctions } from 'pino';
import { APP_CONFIG, APP_NAME, CoreConfig } from '@app/config';

/** JSON lines on stdout: time, level, app, context, msg and structured fields; credentials redacted. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG, APP_NAME],
      useFactory: (config: CoreConfig, appName: string) => ({
        pinoHttp: {
          level: config.LOG_LEVEL,
          base: { app: appName },
          timestamp: stdTimeFunctions.isoTime,
          formatters: { level: (label: string) => ({ level: label }) },
          redact: {
            paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'token'],
            censor: '[redacted]',
          },
          autoLogging: false,
          quietReqLogger: true,
        },
      }),
    }),
  ],
})
export class LoggingModule {}
