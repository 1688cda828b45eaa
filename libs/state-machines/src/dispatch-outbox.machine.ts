import { assertTransition, TransitionTable } from './transition-table';

export enum DispatchOutboxStatus {
  Pending = 'PENDING',
  Dispatched = 'DISPATCHED',
  Failed = 'FAILED',
}

/** Runbook §7-2: DISPATCHED is terminal; FAILED -> FAILED is a failed retry. */
export const DISPATCH_OUTBOX_TRANSITIONS: TransitionTable<DispatchOutboxStatus> = {
  [DispatchOutboxStatus.Pending]: [DispatchOutboxStatus.Dispatched, DispatchOutboxStatus.Failed],
  [DispatchOutboxStatus.Failed]: [DispatchOutboxStatus.Dispatched, DispatchOutboxStatus.Failed],
  [DispatchOutboxStatus.Dispatched]: [],
};

export function transitionDispatchOutbox(from: DispatchOutboxStatus, to: DispatchOutboxStatus): DispatchOutboxStatus {
  return assertTransition('dispatch-outbox', DISPATCH_OUTBOX_TRANSITIONS, from, to);
}
