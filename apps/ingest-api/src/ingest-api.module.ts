import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfigModule } from '@app/config';
import {
  DatabaseModule,
  IngestPolicyRepository,
  IngestRateLimitWindowRepository,
  IngestRejectionRepository,
  IngestRequestOutcomeRepository,
} from '@app/entities';
import { HealthModule, IngestMetrics, LoggingModule, MetricsModule } from '@app/observability';
import { MemberTokenResolver } from './auth/member-token.resolver';
import { ServiceTokenGuard } from './auth/service-token.guard';
import { EventsController } from './events/events.controller';
import { IngestOutcomes } from './events/ingest-outcomes.recorder';
import { IngestService } from './events/ingest.service';
import { OutboxWriter } from './events/outbox.writer';
import { OversizedBatchGuard } from './events/oversized-batch.guard';
import { IngestConfig, ingestSchema } from './ingest-api.config';
import { IngestRejections } from './policy/ingest-rejections.recorder';
import { LiveIngestPolicy } from './policy/live-ingest-policy.service';
import { ClientNetwork } from './rate-limit/client-network';
import { InMemoryRateLimitStore } from './rate-limit/in-memory-rate-limit.store';
import { PostgresRateLimitStore } from './rate-limit/postgres-rate-limit.store';
import { RATE_LIMIT_STORE } from './rate-limit/rate-limit.store';
import { RateLimiter } from './rate-limit/rate-limiter.service';
import { PosthogCaptureController } from './sdk/posthog-capture.controller';
import { SdkIngestService } from './sdk/sdk-ingest.service';
import { SdkKeyResolver } from './sdk/sdk-key.resolver';
import { SegmentTrackingController } from './sdk/segment-tracking.controller';

export const INGEST_API = 'ingest-api';

@Module({
  imports: [
    AppConfigModule.forApp(INGEST_API, ingestSchema),
    DatabaseModule.forApp(),
    HealthModule,
    LoggingModule,
    MetricsModule.forApp([IngestMetrics]),
  ],
  controllers: [EventsController, PosthogCaptureController, SegmentTrackingController],
  providers: [
    {
      provide: ClientNetwork,
      inject: [APP_CONFIG],
      useFactory: (config: IngestConfig) => new ClientNetwork(config.TRUST_PROXY),
    },
    IngestOutcomes,
    IngestPolicyRepository,
    IngestRateLimitWindowRepository,
    IngestRejectionRepository,
    IngestRejections,
    IngestRequestOutcomeRepository,
    IngestService,
    InMemoryRateLimitStore,
    LiveIngestPolicy,
    MemberTokenResolver,
    OutboxWriter,
    OversizedBatchGuard,
    PostgresRateLimitStore,
    RateLimiter,
    SdkIngestService,
    SdkKeyResolver,
    ServiceTokenGuard,
    {
      provide: RATE_LIMIT_STORE,
      inject: [APP_CONFIG, InMemoryRateLimitStore, PostgresRateLimitStore],
      useFactory: (config: IngestConfig, memory: InMemoryRateLimitStore, postgres: PostgresRateLimitStore) =>
        config.ANALYTICS_INGEST_RATE_LIMIT_STORE === 'postgres' ? postgres : memory,
    },
  ],
})
export class IngestApiModule {}
