import { runApp } from '@app/http';
import { IngestApiModule } from './ingest-api.module';
import { ingestApiOptions } from './ingest-api.options';

void runApp(IngestApiModule, ingestApiOptions);
