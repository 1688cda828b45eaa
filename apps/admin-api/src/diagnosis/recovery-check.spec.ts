import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceCounts } from './diagnosis.walk';
import { RecoveryInputs, recoveryCheck } from './recovery-check';

const traces = (overrides: Partial<TraceCounts> = {}): TraceCounts => ({
  published: 0,
  publishFailed: 0,
  consumed: 0,
  consumeFailed: 0,
  deadLettered: 0,
  ...overrides,
});

/** 30 minutes after a broker outage: 600 stored per minute before, the first half still failing, the second not. */
function recovered(): RecoveryInputs {
  return {
    windowMinutes: 30,
    baseline: traces({ published: 18_000, consumed: 18_000 }),
    earlier: traces({ publishFailed: 500, consumed: 4_000, consumeFailed: 2 }),
    recent: traces({ published: 9_000, consumed: 9_000 }),
    sourceOutbox: { failed: 0, parked: 0 },
    dispatch: { retrying: 0, parked: 0, openCircuits: 0, dispatchedInRecentHalf: 9_000 },
  };
}

const verdicts = (inputs: RecoveryInputs) => recoveryCheck(inputs).map((item) => item.pass);

describe('the §10 recovery check', () => {
  it('passes every item a system can check once the recent half is clean and back to its level', () => {
    const items = recoveryCheck(recovered());
    expect(items.map((item) => [item.item, item.pass])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
      [5, null],
    ]);
    expect(items[0].evidence).toEqual({
      failedCount: 0,
      parkedCount: 0,
      publishFailuresEarlierHalf: 500,
      publishFailuresRecentHalf: 0,
    });
    expect(items[2].evidence).toEqual({
      storedPerMinuteBefore: 600,
      storedPerMinuteEarlierHalf: 266.7,
      storedPerMinuteRecentHalf: 600,
    });
  });

  it("words each item as the runbook's §10 list does, in its order", () => {
    const runbook = readFileSync(join(__dirname, '../../../../docs/runbook.ko.md'), 'utf8');
    for (const item of recoveryCheck(recovered())) {
      expect(runbook).toContain(`\n${item.item}. ${item.check}\n`);
    }
  });

  it('gives the numbers behind items 2 and 4, and where the write-up of item 5 starts', () => {
    const items = recoveryCheck(recovered());
    expect(items[1].evidence).toEqual({ consumeFailuresEarlierHalf: 2, consumeFailuresRecentHalf: 0 });
    expect(items[3].evidence).toEqual({
      dispatchFailedRetrying: 0,
      dispatchParked: 0,
      dispatchedRecentHalf: 9_000,
      failedRatio: 0,
      openCircuits: 0,
    });
    expect(items[4].evidence).toEqual({
      incidentReport: 'GET /api/v1/admin/user-activity/incident-report?from=&to=',
    });
  });

  it('reads a window of no length as no rate rather than dividing by zero', () => {
    const [, , stored] = recoveryCheck({ ...recovered(), windowMinutes: 0 });
    expect(stored.evidence).toEqual({
      storedPerMinuteBefore: 0,
      storedPerMinuteEarlierHalf: 0,
      storedPerMinuteRecentHalf: 0,
    });
  });

  it('gives a failed ratio of 0, not NaN, when nothing was attempted', () => {
    const [, , , dispatch] = recoveryCheck({
      ...recovered(),
      dispatch: { retrying: 0, parked: 0, openCircuits: 0, dispatchedInRecentHalf: 0 },
    });
    expect(dispatch.evidence.failedRatio).toBe(0);
  });

  it('fails item 1 while publishes still fail or FAILED rows remain', () => {
    expect(verdicts({ ...recovered(), recent: traces({ consumed: 9_000, publishFailed: 1 }) })[0]).toBe(false);
    expect(verdicts({ ...recovered(), sourceOutbox: { failed: 3, parked: 3 } })[0]).toBe(false);
  });

  it('fails item 2 while consume failures go on', () => {
    expect(verdicts({ ...recovered(), recent: traces({ consumed: 9_000, consumeFailed: 1 }) })[1]).toBe(false);
  });

  it('fails item 3 below 80 % of the stored rate before the window, and passes with no traffic before', () => {
    expect(verdicts({ ...recovered(), recent: traces({ consumed: 7_200 }) })[2]).toBe(true);
    expect(verdicts({ ...recovered(), recent: traces({ consumed: 7_199 }) })[2]).toBe(false);
    expect(verdicts({ ...recovered(), baseline: traces(), recent: traces() })[2]).toBe(true);
  });

  it('fails item 4 while dispatch rows wait for a retry or a breaker is not closed', () => {
    const dispatch = (retrying: number, openCircuits: number) =>
      recoveryCheck({
        ...recovered(),
        dispatch: { retrying, parked: 1, openCircuits, dispatchedInRecentHalf: 300 },
      })[3];
    expect(dispatch(0, 0).pass).toBe(true);
    expect(dispatch(100, 0)).toMatchObject({
      pass: false,
      evidence: { failedRatio: 0.25, dispatchFailedRetrying: 100 },
    });
    expect(dispatch(0, 1).pass).toBe(false);
  });
});
