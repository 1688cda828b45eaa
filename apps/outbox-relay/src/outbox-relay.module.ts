import { Module } from '@nestjs/common';
import { AppConfigModule } from '@app/config';
import { DatabaseModule } from '@app/entities';
import { SourceOutboxPublishingModule } from '@app/messaging';
import {
  HealthModule,
  LoggingModule,
  MetricsModule,
  MqMetrics,
  SourceOutboxBacklogMetrics,
  SourceOutboxMetrics,
} from '@app/metrics';
import { relaySchema } from './outbox-relay.config';
import { RelayReadiness } from './relay/relay-readiness';
import { RetentionRepository } from './housekeeping/retention.repository';
import { RetentionWorker } from './housekeeping/retention.worker';
import { SourceOutboxGauges } from './housekeeping/source-outbox-gauges';
import { OutboxNotifications } from './relay/outbox-notifications';
import { OutboxRelayWorker } from './relay/outbox-relay.worker';

export const OUTBOX_RELAY = 'outbox-relay';

@Module({
  imports: [
    AppConfigModule.forApp(OUTBOX_RELAY, relaySchema),
    DatabaseModule.forApp(),
    HealthModule,
    LoggingModule,
    MetricsModule.forApp([MqMetrics, SourceOutboxBacklogMetrics, SourceOutboxMetrics]),
    SourceOutboxPublishingModule.forApp(),
  ],
  providers: [
    OutboxNotifications,
    OutboxRelayWorker,
    RelayReadiness,
    RetentionRepository,
    RetentionWorker,
    SourceOutboxGauges,
  ],
})
export class OutboxRelayModule {}
