import { judgeSteady, levelOff, settleSeconds, SteadyPeriod, TableSize } from './steady-verdict';

const TABLE = 'user_activity_source_outbox';
const MB = 1_000_000;

/** A stable minute of 4,000 events/s whose p99 and source outbox size are as given. */
function minute(index: number, p99Ms: number, source: TableSize, stable = true): SteadyPeriod {
  return {
    endSeconds: (index + 1) * 60,
    acceptedEventsPerSecond: 4_000,
    storedEventsPerSecond: stable ? 4_000 : 3_500,
    dispatchedEventsPerSecond: stable ? 4_000 : 3_500,
    backlogSlope: stable ? 0 : 500,
    stable,
    verdict: stable ? '' : 'stored 3500/s',
    events: 240_000,
    storedP50Ms: p99Ms / 3,
    storedP99Ms: p99Ms,
    tables: { [TABLE]: source },
  };
}

/**
 * Ten minutes with retention of 2 minutes run once a minute: the table fills for three minutes, then the rows go up and
 * down between the runs of retention while the bytes stay where the first full cycle left them.
 */
const LEVELLED: TableSize[] = [
  { rows: 240_000, bytes: 120 * MB },
  { rows: 480_000, bytes: 240 * MB },
  { rows: 720_000, bytes: 360 * MB },
  { rows: 500_000, bytes: 380 * MB },
  { rows: 710_000, bytes: 380 * MB },
  { rows: 490_000, bytes: 385 * MB },
  { rows: 720_000, bytes: 385 * MB },
  { rows: 480_000, bytes: 386 * MB },
  { rows: 715_000, bytes: 386 * MB },
  { rows: 500_000, bytes: 388 * MB },
];

describe('the verdict of the steady run with retention', () => {
  const settledAt = settleSeconds(120, 60);

  it('judges the tables from retention plus two intervals on', () => {
    expect(settledAt).toBe(240);
  });

  it('calls levelled a table whose rows swing between retention runs and whose bytes stop growing', () => {
    const periods = LEVELLED.map((size, index) => minute(index, 40, size));

    const [level] = levelOff(periods, [TABLE], settledAt);

    expect(level.levelled).toBe(true);
    expect(level.rowsGrowth).toBeCloseTo(720_000 / 710_000, 6);
    expect(level.bytesGrowth).toBeCloseTo(388 / 385, 6);
  });

  it('calls not levelled a table whose bytes keep growing though its rows hold (space never reused)', () => {
    const periods = LEVELLED.map((size, index) =>
      minute(index, 40, { rows: size.rows, bytes: (index + 1) * 120 * MB }),
    );

    const [level] = levelOff(periods, [TABLE], settledAt);

    expect(level.levelled).toBe(false);
    expect(level.bytesGrowth).toBeCloseTo(1_200 / 720, 6);
  });

  it('calls not levelled a table that retention does not trim', () => {
    const periods = LEVELLED.map((_, index) => minute(index, 40, { rows: (index + 1) * 240_000, bytes: index * MB }));

    expect(levelOff(periods, [TABLE], settledAt)[0]).toMatchObject({ levelled: false, rowsGrowth: 2_400 / 1_440 });
  });

  it('leaves the tables unjudged when the run ends before retention has settled', () => {
    const periods = LEVELLED.slice(0, 4).map((size, index) => minute(index, 40, size));

    const judgement = judgeSteady(periods, [TABLE], settledAt);

    expect(judgement.levelOff).toEqual([{ table: TABLE, rowsGrowth: null, bytesGrowth: null, levelled: null }]);
    expect(judgement.levelled).toBe(false);
  });

  it('holds when every minute is stable and no p99 exceeds twice the first minute’s', () => {
    const p99s = [40, 55, 80, 62, 70, 58, 61, 66, 72, 64];
    const periods = LEVELLED.map((size, index) => minute(index, p99s[index], size));

    expect(judgeSteady(periods, [TABLE], settledAt)).toMatchObject({
      rateHeld: true,
      firstP99Ms: 40,
      worstP99Ms: 80,
      latencyHeld: true,
      levelled: true,
    });
  });

  it('does not hold when one minute falls behind or its p99 passes twice the first minute’s', () => {
    const p99s = [40, 55, 81, 62, 70, 58, 61, 66, 72, 64];
    const periods = LEVELLED.map((size, index) => minute(index, p99s[index], size, index !== 6));

    expect(judgeSteady(periods, [TABLE], settledAt)).toMatchObject({
      rateHeld: false,
      worstP99Ms: 81,
      latencyHeld: false,
    });
  });
});
