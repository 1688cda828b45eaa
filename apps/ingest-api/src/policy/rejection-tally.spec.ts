import { IngestRejectionKind, IngestRejectionReason } from '@app/entities';
import { OVERFLOW_KEY, RejectionTally } from './rejection-tally';

const at = new Date('2026-01-01T10:00:30Z');

function counts(tally: RejectionTally) {
  return tally
    .take()
    .map((entry) => [entry.kind, entry.key, entry.count])
    .sort();
}

describe('the in-memory rejection tally', () => {
  it('counts each refused request once per caller and once per distinct event name', () => {
    const tally = new RejectionTally(100);
    tally.record(IngestRejectionReason.NotAllowed, 'anonymous:a', ['ui.x', 'ui.x', 'ui.y'], at);
    tally.record(IngestRejectionReason.NotAllowed, 'anonymous:a', ['ui.x'], at);
    expect(counts(tally)).toEqual([
      [IngestRejectionKind.Caller, 'anonymous:a', 2],
      [IngestRejectionKind.EventName, 'ui.x', 2],
      [IngestRejectionKind.EventName, 'ui.y', 1],
    ]);
    expect(tally.size).toBe(0);
  });

  it('holds at most its cap of keys and counts the rest under one overflow key, keeping the totals', () => {
    const tally = new RejectionTally(3);
    for (let caller = 0; caller < 10; caller++) {
      tally.record(IngestRejectionReason.RateLimited, `ip:10.0.0.${caller}`, [], at);
    }
    const taken = tally.take();
    expect(taken.map((entry) => [entry.key, entry.count])).toEqual([
      ['ip:10.0.0.0', 1],
      ['ip:10.0.0.1', 1],
      ['ip:10.0.0.2', 1],
      [OVERFLOW_KEY, 7],
    ]);
  });

  it('keeps a key seen before the cap was reached, and its first and last sighting', () => {
    const tally = new RejectionTally(1);
    const later = new Date(at.getTime() + 10_000);
    tally.record(IngestRejectionReason.Invalid, 'ip:10.0.0.1', [], at);
    tally.record(IngestRejectionReason.Invalid, 'ip:10.0.0.1', [], later);
    const [entry] = tally.take();
    expect(entry).toMatchObject({ key: 'ip:10.0.0.1', count: 2, firstSeenAt: at, lastSeenAt: later });
    expect(entry.bucketStart).toEqual(new Date('2026-01-01T10:00:00Z'));
  });

  it('puts back what a failed flush took, added to what came since', () => {
    const tally = new RejectionTally(100);
    tally.record(IngestRejectionReason.RateLimited, 'member:7', [], at);
    const failed = tally.take();
    tally.record(IngestRejectionReason.RateLimited, 'member:7', [], at);
    tally.restore(failed);
    expect(counts(tally)).toEqual([[IngestRejectionKind.Caller, 'member:7', 2]]);
  });
});
