import { IllegalTransitionError } from './illegal-transition.error';

export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export function canTransition<S extends string>(table: TransitionTable<S>, from: S, to: S): boolean {
  return table[from]?.includes(to) ?? false;
}

export function assertTransition<S extends string>(machine: string, table: TransitionTable<S>, from: S, to: S): S {
  if (!canTransition(table, from, to)) {
    throw new IllegalTransitionError(machine, from, to);
  }
  return to;
}
