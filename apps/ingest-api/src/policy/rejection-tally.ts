import { IngestRejectionKind, IngestRejectionReason, IngestRejectionTally } from '@app/entities';

/** Keys beyond the cap are counted under this one, so the totals stay whole while memory stays bounded. */
export const OVERFLOW_KEY = '(other)';

const MINUTE_MS = 60_000;

/**
 * Refused requests counted in memory by minute, reason, kind and key until the next flush. At most `maxKeys` keys
 * are held; a new key past that is counted under OVERFLOW_KEY (one per minute, reason and kind).
 */
export class RejectionTally {
  private entries = new Map<string, IngestRejectionTally>();

  constructor(private readonly maxKeys: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** One refused request: its caller key and each distinct event name it carried. */
  record(reason: IngestRejectionReason, callerKey: string, eventNames: readonly string[], at = new Date()): void {
    this.add({ ...this.blank(reason, IngestRejectionKind.Caller, callerKey, at), count: 1 });
    for (const name of new Set(eventNames)) {
      this.add({ ...this.blank(reason, IngestRejectionKind.EventName, name, at), count: 1 });
    }
  }

  /** Everything counted since the last take, and an empty tally from here on. */
  take(): IngestRejectionTally[] {
    const taken = [...this.entries.values()];
    this.entries = new Map();
    return taken;
  }

  /** Puts back what a failed flush took, under the same cap. */
  restore(tallies: IngestRejectionTally[]): void {
    for (const tally of tallies) {
      this.add(tally);
    }
  }

  private blank(reason: IngestRejectionReason, kind: IngestRejectionKind, key: string, at: Date) {
    return {
      bucketStart: new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS),
      reason,
      kind,
      key,
      firstSeenAt: at,
      lastSeenAt: at,
    };
  }

  private add(tally: IngestRejectionTally): void {
    let id = this.idOf(tally, tally.key);
    let entry = this.entries.get(id);
    if (entry === undefined && this.entries.size >= this.maxKeys) {
      id = this.idOf(tally, OVERFLOW_KEY);
      entry = this.entries.get(id);
      tally = { ...tally, key: OVERFLOW_KEY };
    }
    if (entry === undefined) {
      this.entries.set(id, { ...tally });
      return;
    }
    entry.count += tally.count;
    if (tally.firstSeenAt < entry.firstSeenAt) {
      entry.firstSeenAt = tally.firstSeenAt;
    }
    if (tally.lastSeenAt > entry.lastSeenAt) {
      entry.lastSeenAt = tally.lastSeenAt;
    }
  }

  private idOf(tally: IngestRejectionTally, key: string): string {
    return `${tally.bucketStart.getTime()}\u0000${tally.reason}\u0000${tally.kind}\u0000${key}`;
  }
}
