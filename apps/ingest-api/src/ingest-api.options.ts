import { INestApplication } from '@nestjs/common';
import { APP_CONFIG, IngestConfig } from '@app/config';
import { AppOptions } from '@app/http';
import { IngestOutcomes } from './events/ingest-outcomes';
import { INGEST_API } from './ingest-api.module';

export const ingestApiOptions: AppOptions = {
  name: INGEST_API,
  bodyLimit: (app: INestApplication) => app.get<IngestConfig>(APP_CONFIG).ANALYTICS_INGEST_MAX_BODY_BYTES,
  onBodyRejected: (app: INestApplication) => app.get(IngestOutcomes).request('invalid'),
  openApi: {
    title: 'ingest-api',
    description: 'User activity event intake: client and service-to-service events into the source outbox.',
    bearer: true,
  },
};
