import { Module } from '@nestjs/common';
import { AppConfigModule } from '@app/config';
import {
  AdminAuditRepository,
  DatabaseModule,
  DispatchCircuitRepository,
  DispatchOutboxRepository,
  EventJourneyRepository,
  IngestPolicyRepository,
  IngestRejectionRepository,
  PipelineSnapshotRepository,
} from '@app/entities';
import { SourceOutboxPublishingModule } from '@app/messaging';
import { HealthModule, LoggingModule, MetricsModule, MqMetrics, SourceOutboxMetrics } from '@app/observability';
import { adminSchema } from './admin-api.config';
import { AdminTokenGuard } from './auth/admin-token.guard';
import { AdminTokenVerifier } from './auth/admin-token.verifier';
import { BrokerQueueReader } from './diagnosis/broker-queue.reader';
import { DiagnosisController } from './diagnosis/diagnosis.controller';
import { DiagnosisService } from './diagnosis/diagnosis.service';
import { PipelineSnapshotGatherer } from './diagnosis/pipeline-snapshot.gatherer';
import { DispatchAdminService } from './dispatch/dispatch-admin.service';
import { DeadLetterAdminService } from './dlq/dead-letter-admin.service';
import { DeadLetterController } from './dlq/dead-letter.controller';
import { DispatchController } from './dispatch/dispatch.controller';
import { IngestPolicyAdminService } from './ingest-policy/ingest-policy-admin.service';
import { IngestPolicyController } from './ingest-policy/ingest-policy.controller';
import { IngestRejectionsAdminService } from './ingest-policy/ingest-rejections-admin.service';
import { IngestRejectionsController } from './ingest-policy/ingest-rejections.controller';
import { JourneyController } from './journey/journey.controller';
import { JourneyService } from './journey/journey.service';
import { OutboxAdminService } from './outbox/outbox-admin.service';
import { OutboxController } from './outbox/outbox.controller';
import { MqTracesController } from './traces/mq-traces.controller';
import { MqTracesService } from './traces/mq-traces.service';

export const ADMIN_API = 'admin-api';

@Module({
  imports: [
    AppConfigModule.forApp(ADMIN_API, adminSchema),
    DatabaseModule.forApp(),
    HealthModule,
    LoggingModule,
    MetricsModule.forApp([MqMetrics, SourceOutboxMetrics]),
    SourceOutboxPublishingModule.forApp('optional'),
  ],
  controllers: [
    DeadLetterController,
    DiagnosisController,
    DispatchController,
    IngestPolicyController,
    IngestRejectionsController,
    JourneyController,
    MqTracesController,
    OutboxController,
  ],
  providers: [
    AdminAuditRepository,
    AdminTokenGuard,
    AdminTokenVerifier,
    BrokerQueueReader,
    DeadLetterAdminService,
    DiagnosisService,
    DispatchAdminService,
    DispatchCircuitRepository,
    DispatchOutboxRepository,
    EventJourneyRepository,
    IngestPolicyAdminService,
    IngestPolicyRepository,
    IngestRejectionRepository,
    IngestRejectionsAdminService,
    JourneyService,
    MqTracesService,
    OutboxAdminService,
    PipelineSnapshotGatherer,
    PipelineSnapshotRepository,
  ],
})
export class AdminApiModule {}
