import { Module } from '@nestjs/common';
import { AppConfigModule } from '@app/config';
import { DatabaseModule, OutboxNotifications, RetentionRepository, SOURCE_OUTBOX_CHANNEL } from '@app/entities';
import { SourceOutboxPublishingModule } from '@app/messaging';
import {
  HealthModule,
  LoggingModule,
  MetricsModule,
  MqMetrics,
  SourceOutboxBacklogMetrics,
  SourceOutboxMetrics,
} from '@app/observability';
import { relaySchema } from './outbox-relay.config';
import { RelayReadiness } from './relay/relay-readiness.service';
import { RetentionWorker } from './housekeeping/retention.worker';
import { SourceOutboxGauges } from './housekeeping/source-outbox.gauges';
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
    OutboxNotifications.provider(SOURCE_OUTBOX_CHANNEL, 'outbox-relay-listen'),
    OutboxRelayWorker,
    RelayReadiness,
    RetentionRepository,
    RetentionWorker,
    SourceOutboxGauges,
  ],
})
export class OutboxRelayModule {}
