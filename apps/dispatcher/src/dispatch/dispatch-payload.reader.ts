import { ClaimedDispatchRow, parseCanonicalEvent } from '@app/entities';
import { DispatchItem } from '../targets/dispatch-target';

export interface ReadPayloads {
  items: DispatchItem[];
  /** outbox id → why its payload is not a canonical event. */
  unreadable: Map<string, string>;
}

/** Rows whose payload is not a canonical event are kept out of the send and parked. */
export function readPayloads(rows: ClaimedDispatchRow[]): ReadPayloads {
  const items: DispatchItem[] = [];
  const unreadable = new Map<string, string>();
  for (const row of rows) {
    try {
      // A writer that stored the JSON text as a JSON string still gets its event delivered.
      const body: unknown = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
      items.push({ outboxId: row.id, event: parseCanonicalEvent(body) });
    } catch (error) {
      unreadable.set(row.id, error instanceof Error ? error.message : String(error));
    }
  }
  return { items, unreadable };
}
