import { Injectable, OnModuleInit } from '@nestjs/common';
import { DeadLetterQueue, EVENT_STORE_DLQ, RabbitConnection } from '@app/messaging';
import { DeadLetterMetrics } from '@app/observability';

/** Exports the depth of the queue's dead-letter queue, asked from the broker at every scrape. */
@Injectable()
export class DeadLetterDepthGauge implements OnModuleInit {
  constructor(
    private readonly connection: RabbitConnection,
    private readonly deadLetters: DeadLetterQueue,
    private readonly metrics: DeadLetterMetrics,
  ) {}

  onModuleInit(): void {
    if (this.connection.enabled) {
      this.metrics.readFrom(async () => ({ queue: EVENT_STORE_DLQ, depth: await this.deadLetters.depth() }));
    }
  }
}
