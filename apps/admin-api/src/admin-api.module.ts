import { Module } from '@nestjs/common';
import { adminSchema, ConfigModule } from '@app/config';
import {
  AdminAuditRepository,
  DatabaseModule,
  DispatchCircuitRepository,
  DispatchOutboxAdminRepository,
  EventJourneyRepository,
  MqTraceRepository,
  PipelineSnapshotRepository,
} from '@app/entities';
import { SourceOutboxPublishingModule } from '@app/messaging';
import { HealthModule, LoggingModule, MetricsModule, MqMetrics, SourceOutboxMetrics } from '@app/metrics';
import { AdminTokenGuard } from './auth/admin-token.guard';
import { AdminTokenVerifier } from './auth/admin-token.verifier';
import { BrokerQueueReader } from './diagnosis/broker-queue.reader';
import { DiagnosisController } from './diagnosis/diagnosis.controller';
import { DiagnosisService } from './diagnosis/diagnosis.service';
import { PipelineSnapshotGatherer } from './diagnosis/pipeline-snapshot.gatherer';
import { DispatchAdminService } from './dispatch/dispatch-admin.service';
import { DispatchController } from './dispatch/dispatch.controller';
import { JourneyController } from './journey/journey.controller';
import { JourneyService } from './journey/journey.service';
import { OutboxAdminService } from './outbox/outbox-admin.service';
import { OutboxController } from './outbox/outbox.controller';
import { MqTracesController } from './traces/mq-traces.controller';
import { MqTracesService } from './traces/mq-traces.service';

export const ADMIN_API = 'admin-api';

@Module({
  imports: [
    ConfigModule.forApp(ADMIN_API, adminSchema),
    DatabaseModule.forApp(),
    HealthModule,
    LoggingModule,
    MetricsModule.forApp([MqMetrics, SourceOutboxMetrics]),
    SourceOutboxPublishingModule,
  ],
  controllers: [DiagnosisController, DispatchController, JourneyController, MqTracesController, OutboxController],
  providers: [
    AdminAuditRepository,
    AdminTokenGuard,
    AdminTokenVerifier,
    BrokerQueueReader,
    DiagnosisService,
    DispatchAdminService,
    DispatchCircuitRepository,
    DispatchOutboxAdminRepository,
    EventJourneyRepository,
    JourneyService,
    MqTraceRepository,
    MqTracesService,
    OutboxAdminService,
    PipelineSnapshotGatherer,
    PipelineSnapshotRepository,
  ],
})
export class AdminApiModule {}
