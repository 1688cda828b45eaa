import { assertTransition, TransitionTable } from './transition-table';

export enum SourceOutboxStatus {
  Pending = 'PENDING',
  Published = 'PUBLISHED',
  Failed = 'FAILED',
}

/** Runbook §7-1: PUBLISHED is terminal; FAILED -> FAILED is a failed retry or replay. */
export const SOURCE_OUTBOX_TRANSITIONS: TransitionTable<SourceOutboxStatus> = {
  [SourceOutboxStatus.Pending]: [SourceOutboxStatus.Published, SourceOutboxStatus.Failed],
  [SourceOutboxStatus.Failed]: [SourceOutboxStatus.Published, SourceOutboxStatus.Failed],
  [SourceOutboxStatus.Published]: [],
};

export function transitionSourceOutbox(from: SourceOutboxStatus, to: SourceOutboxStatus): SourceOutboxStatus {
  return assertTransition('source-outbox', SOURCE_OUTBOX_TRANSITIONS, from, to);
}
