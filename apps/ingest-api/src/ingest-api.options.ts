import { APP_CONFIG } from '@app/config';
import { AppOptions, HttpApp } from '@app/http';
import { IngestOutcomes } from './events/ingest-outcomes.recorder';
import { ingestSourceOf } from './events/request-outcome';
import { IngestConfig } from './ingest-api.config';
import { INGEST_API } from './ingest-api.module';
import { useSdkCors } from './sdk/sdk-cors';
import { ingestRouteOf } from './sdk/sdk-routes';

const configOf = (app: HttpApp) => app.get<IngestConfig>(APP_CONFIG);

export const ingestApiOptions: AppOptions = {
  name: INGEST_API,
  bodyLimit: (app) => configOf(app).ANALYTICS_INGEST_MAX_BODY_BYTES,
  sniffedBodyLimit: (app) => configOf(app).ANALYTICS_INGEST_SDK_MAX_BODY_BYTES,
  onBodyRejected: (app, request) => {
    const route = ingestRouteOf(request);
    const source = route === 'native' && request !== undefined ? ingestSourceOf(request.url) : 'unknown';
    app.get(IngestOutcomes).request('invalid', source, route);
  },
  openApi: {
    title: 'ingest-api',
    description:
      'User activity event intake: client and service-to-service events into the source outbox, and the PostHog ' +
      'and Segment / RudderStack SDK routes at the root.',
    bearer: true,
  },
  configure: (app) => useSdkCors(app, configOf(app).ANALYTICS_INGEST_CORS_ORIGINS),
};
