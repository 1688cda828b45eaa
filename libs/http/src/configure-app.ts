import type { CustomTransportStrategy, MicroserviceOptions } from '@nestjs/microservices';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrorFilter } from './api-error.filter';
import { useConnectionDrain } from './connection-drain';
import { useJsonBody } from './json-body';
import { useNulFreeUrls } from './nul-free-url';
import { routeMethodsOf } from './route-methods';
import { createValidationPipe } from './validation.pipe';

export interface AppOptions {
  /** The app's name in its start-up line and in the line that says why it could not start. */
  name: string;
  /** Adds a JSON body parser with this limit (bytes), read from the app's config; apps without write bodies leave it out. */
  bodyLimit?: (app: NestFastifyApplication) => number;
  /** The limit of routes marked SNIFFED_BODY (bytes, after decompression); `bodyLimit` when left out. */
  sniffedBodyLimit?: (app: NestFastifyApplication) => number;
  /**
   * Called for every request rejected before a handler runs (bad JSON, too large, wrong media type, field
   * validation); with the request when the body was refused.
   */
  onBodyRejected?: (app: NestFastifyApplication, request?: FastifyRequest) => void;
  openApi?: { title: string; description: string; bearer?: boolean };
  configure?: (app: NestFastifyApplication) => void;
  /** A transport whose handlers run beside the HTTP server (a hybrid app); started with `startAllMicroservices()`. */
  microservice?: (app: NestFastifyApplication) => CustomTransportStrategy;
}

/** Edge setup shared by main.ts and the e2e tests: body parsing, error envelope, OpenAPI, shutdown hooks. */
export function configureApp(app: NestFastifyApplication, options: AppOptions): void {
  const fastify = app.getHttpAdapter().getInstance();
  useConnectionDrain(fastify);
  useNulFreeUrls(fastify);
  if (options.bodyLimit !== undefined) {
    const limit = options.bodyLimit(app);
    useJsonBody(
      fastify,
      limit,
      (request) => options.onBodyRejected?.(app, request),
      options.sniffedBodyLimit?.(app) ?? limit,
    );
  }
  app.useGlobalFilters(new ApiErrorFilter(routeMethodsOf(fastify)));
  app.useGlobalPipes(createValidationPipe(() => options.onBodyRejected?.(app)));
  if (options.openApi) {
    const builder = new DocumentBuilder()
      .setTitle(options.openApi.title)
      .setDescription(options.openApi.description)
      .setVersion('1');
    if (options.openApi.bearer) {
      builder.addBearerAuth();
    }
    SwaggerModule.setup('docs', app, SwaggerModule.createDocument(app, builder.build()));
  }
  options.configure?.(app);
  if (options.microservice) {
    // Not inheriting the app's config: its HTTP error filter and validation pipe have no place in a batch handler.
    app.connectMicroservice<MicroserviceOptions>({ strategy: options.microservice(app) });
  }
  app.enableShutdownHooks();
}
