import { CanonicalEvent } from '@app/entities';

export interface DispatchItem {
  outboxId: string;
  event: CanonicalEvent;
}

/**
 * What became of one item: delivered; worth another try later (the target is unwell, or refused our credentials:
 * `status` 401/403); or refused for good (the row is parked).
 */
export type DispatchOutcome =
  | { outboxId: string; result: 'delivered' }
  | { outboxId: string; result: 'retry'; error: string; retryAfterMs: number | null }
  | { outboxId: string; result: 'unauthorized'; error: string; status: number }
  | { outboxId: string; result: 'reject'; error: string };

/**
 * A place events are sent to (DESIGN §8). The loop, the breaker and the outbox bookkeeping are shared, so a new
 * target only implements this.
 */
export interface DispatchTarget {
  /** The `dispatch_target` value of this target's outbox rows, also its metric label. */
  readonly name: string;
  /** Sends the batch and gives one outcome per item; failures are outcomes, never exceptions. */
  send(batch: DispatchItem[]): Promise<DispatchOutcome[]>;
  close(): void;
}

export const DISPATCH_TARGETS = Symbol('DISPATCH_TARGETS');
