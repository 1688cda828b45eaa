import { BaseRpcContext } from '@nestjs/microservices';
import type { BatchOutcome, Delivery } from './batching-consumer';

type SettledCallback = (outcome: BatchOutcome) => void;

/**
 * The context of one batch handed to an `@EventPattern(queue)` handler on `RabbitBatchTransport`: the deliveries
 * (each with its message, arrival time and channel) and the queue they came from. Acks and nacks are the transport's;
 * a handler only says, in the outcome it returns, which deliveries go to the dead-letter queue.
 */
export class RabbitBatchContext extends BaseRpcContext<[Delivery[], string]> {
  private readonly settledCallbacks: SettledCallback[] = [];

  constructor(deliveries: Delivery[], queue: string) {
    super([deliveries, queue]);
  }

  getDeliveries(): Delivery[] {
    return this.args[0];
  }

  getQueue(): string {
    return this.args[1];
  }

  /**
   * Runs `callback` once the nacks and acks of this batch went out on its channel: the place for counts of what was
   * consumed. It never runs for an attempt that failed, nor for a batch whose channel closed before its acks.
   */
  onSettled(callback: SettledCallback): void {
    this.settledCallbacks.push(callback);
  }

  /** Called by the transport after the acks. */
  settled(outcome: BatchOutcome): void {
    for (const callback of this.settledCallbacks) {
      callback(outcome);
    }
  }
}
