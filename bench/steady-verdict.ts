/** Rows (PostgreSQL's count of live rows) and bytes (with indexes and TOAST) of one table at the end of a period. */
export interface TableSize {
  rows: number;
  bytes: number;
}

/** One period of the steady run: its rates, its verdict by the step rule, its latency and the tables at its end. */
export interface SteadyPeriod {
  /** Seconds from the start of the window to the end of this period. */
  endSeconds: number;
  acceptedEventsPerSecond: number;
  storedEventsPerSecond: number;
  dispatchedEventsPerSecond: number;
  /** Growth of the backlog of all stages together, events/s. */
  backlogSlope: number;
  stable: boolean;
  /** Why the period is not stable ('' when it is). */
  verdict: string;
  /** Events received in this period, and their time from ingest to stored. */
  events: number;
  storedP50Ms: number;
  storedP99Ms: number;
  tables: Record<string, TableSize>;
}

/** How much a table retention trims grew once retention had had time to catch up; null when the run was too short. */
export interface LevelOff {
  table: string;
  /** Largest reading of the later half of the settled periods ÷ largest of the earlier half. */
  rowsGrowth: number | null;
  bytesGrowth: number | null;
  levelled: boolean | null;
}

export interface SteadyJudgement {
  /** Every period stable by the step rule. */
  rateHeld: boolean;
  firstP99Ms: number;
  worstP99Ms: number;
  /** No period's p99 from ingest to stored above `P99_FACTOR` × the first period's. */
  latencyHeld: boolean;
  levelOff: LevelOff[];
  /** Every table of `levelOff` levelled off (false when one could not be judged). */
  levelled: boolean;
}

/** How far a period's p99 may rise above the first period's. */
export const P99_FACTOR = 2;
/** How much a trimmed table may still grow from the earlier to the later half of the settled periods. */
export const LEVEL_TOLERANCE = 0.1;

/**
 * Seconds after which the trimmed tables should hold a constant amount: rows live for the retention, wait up to one
 * interval for the run that deletes them, and the space they leave is reused after the next interval's vacuum.
 */
export function settleSeconds(retentionSeconds: number, intervalSeconds: number): number {
  return retentionSeconds + 2 * intervalSeconds;
}

const growth = (later: number[], earlier: number[]) => {
  const base = Math.max(...earlier);
  return base > 0 ? Math.max(...later) / base : null;
};

/**
 * Compares the readings of the settled periods (those ending at or after `settledAt`), later half against earlier
 * half, by their largest values: rows of a table trimmed once an interval go up and down within an interval, so the
 * peaks are what must not climb.
 */
export function levelOff(periods: SteadyPeriod[], tables: string[], settledAt: number): LevelOff[] {
  const settled = periods.filter((period) => period.endSeconds >= settledAt);
  const half = Math.floor(settled.length / 2);
  return tables.map((table) => {
    if (half === 0) {
      return { table, rowsGrowth: null, bytesGrowth: null, levelled: null };
    }
    const readings = (pick: (size: TableSize) => number) => settled.map((period) => pick(period.tables[table]));
    const rows = readings((size) => size.rows);
    const bytes = readings((size) => size.bytes);
    const rowsGrowth = growth(rows.slice(half), rows.slice(0, half));
    const bytesGrowth = growth(bytes.slice(half), bytes.slice(0, half));
    const within = (value: number | null) => value !== null && value <= 1 + LEVEL_TOLERANCE;
    return { table, rowsGrowth, bytesGrowth, levelled: within(rowsGrowth) && within(bytesGrowth) };
  });
}

export function judgeSteady(periods: SteadyPeriod[], trimmedTables: string[], settledAt: number): SteadyJudgement {
  const p99s = periods.map((period) => period.storedP99Ms);
  const firstP99Ms = p99s[0] ?? Number.NaN;
  const worstP99Ms = p99s.length > 0 ? Math.max(...p99s) : Number.NaN;
  const levels = levelOff(periods, trimmedTables, settledAt);
  return {
    rateHeld: periods.length > 0 && periods.every((period) => period.stable),
    firstP99Ms,
    worstP99Ms,
    latencyHeld: Number.isFinite(worstP99Ms) && worstP99Ms <= P99_FACTOR * firstP99Ms,
    levelOff: levels,
    levelled: levels.every((level) => level.levelled === true),
  };
}
