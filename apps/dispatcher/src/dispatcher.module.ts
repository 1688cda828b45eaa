import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfigModule } from '@app/config';
import {
  DatabaseModule,
  DISPATCH_OUTBOX_CHANNEL,
  DispatchCircuitRepository,
  DispatchOutboxRepository,
  OutboxNotifications,
} from '@app/entities';
import { DispatchMetrics, HealthModule, LoggingModule, MetricsModule } from '@app/observability';
import { DispatchBacklogGauges } from './dispatch/dispatch-backlog.gauges';
import { DispatchBatchService } from './dispatch/dispatch-batch.service';
import { DispatchWorker } from './dispatch/dispatch.worker';
import { DispatcherConfig, dispatcherSchema } from './dispatcher.config';
import { DISPATCH_TARGETS } from './targets/dispatch-target';
import { enabledTargets } from './targets/enabled-targets';

export const DISPATCHER = 'dispatcher';

@Module({
  imports: [
    AppConfigModule.forApp(DISPATCHER, dispatcherSchema),
    DatabaseModule.forApp(),
    HealthModule,
    LoggingModule,
    MetricsModule.forApp([DispatchMetrics]),
  ],
  providers: [
    DispatchBacklogGauges,
    DispatchBatchService,
    DispatchCircuitRepository,
    DispatchOutboxRepository,
    DispatchWorker,
    OutboxNotifications.provider(DISPATCH_OUTBOX_CHANNEL, 'dispatcher-listen'),
    {
      provide: DISPATCH_TARGETS,
      inject: [APP_CONFIG],
      useFactory: (config: DispatcherConfig) => enabledTargets(config),
    },
  ],
})
export class DispatcherModule {}
