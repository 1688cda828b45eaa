import { Injectable, OnModuleInit } from '@nestjs/common';
import { RabbitConnection } from '@app/messaging';
import { ReadinessService } from '@app/observability';

/** Ready when the broker connection is up (or MQ_PROVIDER=none, where there is none to have). */
@Injectable()
export class RelayReadiness implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly connection: RabbitConnection,
  ) {}

  onModuleInit(): void {
    this.readiness.register('broker', () => !this.connection.enabled || this.connection.isConnected());
  }
}
