import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { BenchResults } from './bench-results';
import { SteadyFigure } from './steady.bench';
import { BENCH_PARTS } from './bench-settings';
import { CpuUse } from './cpu-accounting';
import { LatencyFigure } from './latency.bench';
import { PIPELINE_APPS } from './bench-pipeline';
import { LEVEL_TOLERANCE, P99_FACTOR, settleSeconds } from './steady-verdict';
import { StepResult } from './sustained.bench';

/** One line of the summary: a figure, its value, the target and whether the target is met. */
export interface FigureRow {
  figure: string;
  measured: string;
  target: string;
  /** 'ok', 'missed', or '' for a figure without a target. */
  verdict: string;
}

const BEGIN = '<!-- bench:begin (written by npm run bench; edit outside these markers) -->';

/**
 * Share of the machine that work other than the pipeline, PostgreSQL, RabbitMQ and the benchmark may take in any
 * measured window for the run to count as made on a quiet machine.
 */
export const QUIET_MACHINE_SHARE = 0.1;

/** The performance targets the summary checks each figure against. */
const TARGETS = {
  singleEventRequestsPerSecond: 4_000,
  singleEventP99Ms: 50,
  fiftyEventEventsPerSecond: 25_000,
  sustainedEventsPerSecond: 7_000,
};
/** The sustained rate the pipeline must reach, as a share of the bare single-process pipeline's. */
const BARE_RATIO_TARGET = 0.9;
const END = '<!-- bench:end -->';

const integer = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');
const ratio = (value: number, limit: number | undefined) =>
  limit !== undefined && limit > 0 ? `${((value / limit) * 100).toFixed(1)} %` : 'n/a';

function check(met: boolean | null): string {
  return met === null ? 'missed (not measured)' : met ? 'ok' : 'missed';
}

/** The largest share of the machine that other work took in any measured window, or null if none was measured. */
export function otherWorkShare(results: BenchResults): number | null {
  const windows = [
    ...results.ingest.map((figure) => figure.cpu),
    ...[...(results.sustained?.steps ?? []), ...(results.growth?.search.steps ?? [])].map((step) => step.cpu),
    ...(results.steady ? [results.steady.cpu] : []),
  ].filter((cpu) => cpu.machineCapacity > 0);
  return windows.length === 0 ? null : Math.max(...windows.map((cpu) => cpu.others / cpu.machineCapacity));
}

const latencyLabel = (latency: LatencyFigure) =>
  `At ${integer(latency.eventsPerSecond)} events/s, PostHog answering ` +
  (latency.posthogDelayMs > 0 ? `in ${integer(latency.posthogDelayMs)} ms` : 'at once');

/** The summary table: every figure of the issue, with its target beside it. */
export function figureRows(results: BenchResults): FigureRow[] {
  const rows: FigureRow[] = [];
  const { rawLimits } = results;
  const pg = rawLimits.postgresInsertRowsPerSecond;
  const mq = rawLimits.rabbitPublishMessagesPerSecond;
  for (const size of [1, 10, 50]) {
    const figure = results.ingest.find((item) => item.eventsPerRequest === size);
    const name = `Ingest, ${size} event${size > 1 ? 's' : ''}/request`;
    if (!figure) {
      rows.push({ figure: name, measured: 'not measured', target: '', verdict: '' });
      continue;
    }
    rows.push({
      figure: `${name}: requests/s`,
      measured: integer(figure.requestsPerSecond),
      target: size === 1 ? `≥ ${integer(TARGETS.singleEventRequestsPerSecond)}` : '',
      verdict: size === 1 ? check(figure.requestsPerSecond >= TARGETS.singleEventRequestsPerSecond) : '',
    });
    rows.push({
      figure: `${name}: events/s`,
      measured: `${integer(figure.eventsPerSecond)} (${ratio(figure.eventsPerSecond, pg)} of raw PG insert)`,
      target: size === 50 ? `≥ ${integer(TARGETS.fiftyEventEventsPerSecond)}` : '',
      verdict: size === 50 ? check(figure.eventsPerSecond >= TARGETS.fiftyEventEventsPerSecond) : '',
    });
    rows.push({
      figure: `${name}: HTTP p50 / p99`,
      measured: `${ms(figure.latencyP50Ms)} / ${ms(figure.latencyP99Ms)}`,
      target: size === 1 ? `p99 ≤ ${TARGETS.singleEventP99Ms} ms` : '',
      verdict: size === 1 ? check(figure.latencyP99Ms <= TARGETS.singleEventP99Ms) : '',
    });
  }
  const sustained = results.sustained?.rate ?? null;
  rows.push({
    figure: 'Sustained end to end, empty tables: events/s',
    measured:
      results.sustained === null
        ? 'not measured'
        : sustained === null
          ? 'no stable step'
          : `${integer(sustained)} (${ratio(sustained, pg)} of raw PG insert, ${ratio(sustained, mq)} of raw MQ publish)`,
    target: `≥ ${integer(TARGETS.sustainedEventsPerSecond)}`,
    verdict: check(results.sustained === null ? null : (sustained ?? 0) >= TARGETS.sustainedEventsPerSecond),
  });
  const bare = results.bare;
  rows.push({
    figure: 'Bare single-process pipeline (pg + amqplib): events/s',
    measured: bare === null ? 'not measured' : integer(bare.eventsPerSecond),
    target: '',
    verdict: '',
  });
  rows.push({
    figure: 'Sustained end to end ÷ bare pipeline',
    measured:
      results.sustained === null || bare === null
        ? 'not measured'
        : `${((sustained ?? 0) / bare.eventsPerSecond).toFixed(2)} × (${sustained === null ? 'no stable step' : integer(sustained)} / ${integer(bare.eventsPerSecond)})`,
    target: `≥ ${BARE_RATIO_TARGET} × bare`,
    verdict: check(
      results.sustained === null || bare === null ? null : (sustained ?? 0) >= BARE_RATIO_TARGET * bare.eventsPerSecond,
    ),
  });
  if (results.latency.length === 0) {
    rows.push({ figure: 'Latency', measured: 'not measured', target: 'p99 ≤ 250 ms / ≤ 1,000 ms', verdict: '' });
  }
  for (const latency of results.latency) {
    rows.push({
      figure: `${latencyLabel(latency)}: ingest → stored p50 / p99`,
      measured: `${ms(latency.storedP50Ms)} / ${ms(latency.storedP99Ms)}`,
      target: 'p99 ≤ 250 ms',
      verdict: check(latency.storedP99Ms <= 250),
    });
    rows.push({
      figure: `${latencyLabel(latency)}: ingest → DISPATCHED p50 / p99`,
      measured: `${ms(latency.dispatchedP50Ms)} / ${ms(latency.dispatchedP99Ms)}`,
      target: 'p99 ≤ 1,000 ms',
      verdict: check(latency.dispatchedP99Ms <= 1_000),
    });
  }
  for (const app of PIPELINE_APPS) {
    const peak = results.peakRssBytes[app];
    rows.push({
      figure: `Peak RSS, ${app}`,
      measured: peak === undefined ? 'not measured' : `${(peak / 1e6).toFixed(0)} MB`,
      target: '≤ 200 MB',
      verdict: check(peak === undefined ? null : peak <= 200e6),
    });
  }
  rows.push({
    figure: 'Raw PostgreSQL batched INSERT: rows/s',
    measured: pg === undefined ? 'not measured' : integer(pg),
    target: '',
    verdict: '',
  });
  rows.push({
    figure: 'Raw RabbitMQ confirmed persistent publish: msgs/s',
    measured: mq === undefined ? 'not measured' : integer(mq),
    target: '',
    verdict: '',
  });
  const growth = results.growth;
  const grown = growth?.search.rate ?? null;
  rows.push({
    figure: `Sustained end to end with ${integer(growth?.seededRows ?? results.settings.growthRows)} rows present`,
    measured:
      growth === null
        ? 'not measured'
        : grown === null
          ? 'no stable step'
          : `${integer(grown)}${sustained ? ` (${ratio(grown, sustained)} of the empty-table rate)` : ''}`,
    target: '≥ 80 % of empty',
    verdict: check(growth === null || sustained === null ? null : (grown ?? 0) >= 0.8 * sustained),
  });
  rows.push({
    figure: 'Growth: seeding the rows (INSERT … SELECT, index builds, VACUUM ANALYZE)',
    measured: growth === null ? 'not measured' : `${growth.seedSeconds.toFixed(0)} s`,
    target: '',
    verdict: '',
  });
  rows.push(...backlogRows(results), ...steadyRows(results));
  const others = otherWorkShare(results);
  rows.push({
    figure: 'Other work on the machine, busiest measured window',
    measured: others === null ? 'not measured' : `${(others * 100).toFixed(0)} % of the machine`,
    target: `≤ ${QUIET_MACHINE_SHARE * 100} % (quiet machine)`,
    verdict: check(others === null ? null : others <= QUIET_MACHINE_SHARE),
  });
  return rows;
}

/** The outage backlog run's figure: p95 from ingest to stored with FAILED rows waiting that are not due. */
function backlogRows(results: BenchResults): FigureRow[] {
  const backlog = results.backlog;
  const settings = results.settings;
  const label =
    `Outage backlog at ${integer(backlog?.latency.eventsPerSecond ?? settings.backlogRate)} events/s, ` +
    `${integer(backlog?.failedRows ?? settings.backlogFailedRows)} FAILED rows not due in each outbox: ` +
    'ingest → stored p50 / p95 / p99';
  if (backlog === null) {
    return [{ figure: label, measured: 'not measured', target: 'p95 ≤ 250 ms', verdict: check(null) }];
  }
  const { latency } = backlog;
  return [
    {
      figure: label,
      measured: `${ms(latency.storedP50Ms)} / ${ms(latency.storedP95Ms)} / ${ms(latency.storedP99Ms)}`,
      target: 'p95 ≤ 250 ms',
      verdict: check(latency.storedP95Ms <= 250),
    },
  ];
}

const shortTable = (table: string) => table.replace(/^user_activity_/, '').replace(/^message_queue_/, '');

/** The steady run's figures: the rate held in every period, p99 within twice the first period's, tables level. */
function steadyRows(results: BenchResults): FigureRow[] {
  const steady = results.steady;
  const settings = results.settings;
  const label =
    `Steady ${integer((steady?.settings.seconds ?? settings.steadySeconds) / 60)} min, retention ` +
    `${steady?.settings.retentionSeconds ?? settings.steadyRetentionSeconds} s`;
  if (steady === null) {
    return [
      { figure: `${label}: rate held`, measured: 'not measured', target: 'every period stable', verdict: check(null) },
    ];
  }
  const periods = steady.periods;
  const unstable = periods.filter((period) => !period.stable).length;
  const levels = steady.levelOff
    .map(
      (level) =>
        `${shortTable(level.table)} ${level.rowsGrowth === null ? 'n/a' : level.rowsGrowth.toFixed(2)} / ` +
        `${level.bytesGrowth === null ? 'n/a' : level.bytesGrowth.toFixed(2)}`,
    )
    .join(', ');
  return [
    {
      figure:
        `${label}: ${integer(steady.settings.eventsPerSecond)} events/s offered ` +
        `(${Math.round(settings.steadyShareOfSustained * 100)} % of ` +
        `${results.sustained?.rate ? 'the sustained rate' : `${integer(settings.sustainedStart)}, no sustained rate`}), ` +
        'stored per period min / max',
      measured:
        periods.length === 0
          ? 'no period'
          : `${integer(Math.min(...periods.map((period) => period.storedEventsPerSecond)))} / ` +
            `${integer(Math.max(...periods.map((period) => period.storedEventsPerSecond)))} ` +
            `(${unstable} of ${periods.length} periods unstable)`,
      target: 'every period stable',
      verdict: check(steady.rateHeld),
    },
    {
      figure: `${label}: ingest → stored p99, first period / worst period`,
      measured: `${ms(steady.firstP99Ms)} / ${ms(steady.worstP99Ms)}`,
      target: `worst ≤ ${P99_FACTOR} × first`,
      verdict: check(steady.latencyHeld),
    },
    {
      figure: `${label}: growth of rows / bytes once settled (later ÷ earlier half)`,
      measured: levels,
      target: `each ≤ ${(1 + LEVEL_TOLERANCE).toFixed(2)}`,
      verdict: check(steady.levelOff.some((level) => level.levelled === null) ? null : steady.levelled),
    },
  ];
}

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')).join('\n');
}

export function formatTable(rows: FigureRow[]): string {
  const cells = [
    ['figure', 'measured', 'target', 'ok/missed'],
    ...rows.map((r) => [r.figure, r.measured, r.target, r.verdict]),
  ];
  const table = pad(cells).split('\n');
  table.splice(1, 0, '-'.repeat(table[0].length));
  return table.join('\n');
}

function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function stepRows(steps: StepResult[]): string[][] {
  return steps.map((step) => [
    integer(step.offeredEventsPerSecond),
    integer(step.acceptedEventsPerSecond),
    integer(step.storedEventsPerSecond),
    integer(step.dispatchedEventsPerSecond),
    `${integer(step.backlogSlope)} (${integer(step.sourceBacklogSlope)} / ${integer(step.queueSlope)} / ` +
      `${integer(step.dispatchBacklogSlope)})`,
    integer(step.maxBacklog),
    step.drainSeconds === null ? 'no' : `${step.drainSeconds.toFixed(1)} s`,
    step.stable ? 'stable' : `unstable: ${step.verdict}`,
  ]);
}

/** Where the CPU went during one window, per process, with the cost of each unit of work (event or request). */
function cpuTable(cpu: CpuUse, units: number, unit: string): string {
  const share = (seconds: number) => `${((seconds / cpu.machineCapacity) * 100).toFixed(0)} %`;
  const per = (seconds: number) => (units > 0 ? `${((seconds / units) * 1e6).toFixed(0)} µs` : 'n/a');
  const rows = Object.entries(cpu.byProcess)
    .sort((a, b) => b[1] - a[1])
    .map(([name, seconds]) => [name, seconds.toFixed(1), share(seconds), per(seconds)]);
  rows.push(['kernel (interrupts, kernel threads)', cpu.kernel.toFixed(1), share(cpu.kernel), per(cpu.kernel)]);
  rows.push(['everything else on the machine', cpu.others.toFixed(1), share(cpu.others), per(cpu.others)]);
  rows.push(['machine busy, all cores', cpu.machineBusy.toFixed(1), share(cpu.machineBusy), per(cpu.machineBusy)]);
  return markdownTable(['process', 'CPU s', 'of machine', `CPU per ${unit}`], rows);
}

function stabilityRule(tolerance: number): string {
  const percent = `${(tolerance * 100).toFixed(0)} %`;
  return (
    `A step is stable when no request failed, accepted, stored and dispatched each fell short of the offered rate by ` +
    `at most ${percent}, and the backlog of all three stages together grew by at most ${percent} of it.`
  );
}

/** What the machine could carry if the pipeline alone used every core at this step's cost per event. */
function cpuBound(step: StepResult, cores: number | null): string {
  const events = step.acceptedEventsPerSecond * step.cpu.wallSeconds;
  const busy = step.cpu.machineBusy - step.cpu.others;
  if (events <= 0 || busy <= 0 || cores === null) {
    return 'CPU bound: not computed.';
  }
  const perEvent = busy / events;
  return (
    `CPU bound: the pipeline, PostgreSQL, RabbitMQ and the benchmark used ${(perEvent * 1e6).toFixed(0)} µs of CPU per ` +
    `event; ${cores} cores used for nothing else would carry about ${integer(cores / perEvent)} events/s.`
  );
}

/** Highest stable and lowest unstable step of a search: the two windows whose CPU use tells what bounds the rate. */
function boundingSteps(steps: StepResult[]): StepResult[] {
  const stable = steps
    .filter((step) => step.stable)
    .sort((a, b) => b.offeredEventsPerSecond - a.offeredEventsPerSecond);
  const unstable = steps
    .filter((step) => !step.stable)
    .sort((a, b) => a.offeredEventsPerSecond - b.offeredEventsPerSecond);
  return [stable[0], unstable[0]].filter((step): step is StepResult => step !== undefined);
}

const STEP_HEADER = [
  'offered/s',
  'accepted/s',
  'stored/s',
  'dispatched/s',
  'backlog slope/s: all (source / queue / dispatch)',
  'max backlog',
  'drained',
  'verdict',
];

/** The Markdown block written between the markers of docs/benchmarks.md. */
export function formatMarkdown(results: BenchResults): string {
  const machine = results.machine;
  const settings = results.settings;
  const lines: string[] = [];
  const args = [
    ...(results.mode === 'quick' ? ['--quick'] : []),
    ...(settings.parts.length < BENCH_PARTS.length ? [`--only=${settings.parts.join(',')}`] : []),
  ];
  lines.push(
    `Run: \`npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\`, ${results.startedAt}, ` +
      `${Math.round(results.durationSeconds)} s.`,
  );
  if (machine) {
    const env = Object.entries(results.appProcessEnv).map(([key, value]) => `\`${key}=${value}\``);
    lines.push(
      '',
      `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB memory; Node ${machine.node}, ` +
        `PostgreSQL ${machine.postgres} (autovacuum ${machine.postgresAutovacuum}), RabbitMQ ${machine.rabbitmq}; PostgreSQL, RabbitMQ, the five apps and the load ` +
        `generator on the same machine. Load average (1/5/15 min) at start ${machine.loadAtStart.join(' / ')}, ` +
        `at end ${results.loadAtEnd.join(' / ')}. Apps started as deployed (${env.join(', ') || 'no extra settings'}), ` +
        'every other setting at its default.',
    );
  }
  lines.push(
    '',
    markdownTable(
      ['figure', 'measured', 'target', 'ok/missed'],
      figureRows(results).map((r) => [r.figure, r.measured, r.target, r.verdict]),
    ),
  );
  if (results.ingest.length > 0) {
    lines.push(
      '',
      `### Ingest (ingest-api alone, closed loop, ${settings.ingestConnections} connections, ${settings.ingestSeconds} s each)`,
      '',
      markdownTable(
        ['events/request', 'requests/s', 'events/s', 'HTTP p50', 'HTTP p99', 'failed', 'rows committed'],
        results.ingest.map((figure) => [
          String(figure.eventsPerRequest),
          integer(figure.requestsPerSecond),
          integer(figure.eventsPerSecond),
          ms(figure.latencyP50Ms),
          ms(figure.latencyP99Ms),
          String(figure.failed),
          integer(figure.committedEvents),
        ]),
      ),
    );
    for (const figure of results.ingest) {
      lines.push(
        '',
        `CPU during the ${figure.eventsPerRequest} event${figure.eventsPerRequest > 1 ? 's' : ''}/request run:`,
        '',
        cpuTable(figure.cpu, figure.requestsPerSecond * figure.seconds, 'request'),
      );
    }
  }
  if (results.sustained) {
    lines.push(
      '',
      `### Sustained end to end, empty tables (${settings.e2eEventsPerRequest} events/request, open loop, ` +
        `${settings.stepWarmupSeconds} s warm-up + ${settings.stepSeconds} s window per step, tables truncated between steps)`,
      '',
      '',
      stabilityRule(settings.stepTolerance),
      '',
      markdownTable(STEP_HEADER, stepRows(results.sustained.steps)),
    );
    if (results.sustained.note) {
      lines.push('', `Search ended early: ${results.sustained.note}.`);
    }
    for (const step of boundingSteps(results.sustained.steps)) {
      lines.push(
        '',
        `CPU during the ${integer(step.offeredEventsPerSecond)}/s window (${step.stable ? 'stable' : 'unstable'}; ` +
          `${step.cpu.wallSeconds.toFixed(0)} s, ${integer(step.acceptedEventsPerSecond)} events/s accepted):`,
        '',
        cpuTable(step.cpu, step.acceptedEventsPerSecond * step.cpu.wallSeconds, 'event'),
        '',
        cpuBound(step, machine?.cores ?? null),
      );
    }
  }
  if (results.growth) {
    lines.push(
      '',
      `### Growth: ${integer(results.growth.seededRows)} rows in user_activity_event and in both outboxes ` +
        `(seeded and VACUUM ANALYZEd in ${results.growth.seedSeconds.toFixed(0)} s)`,
      '',
      markdownTable(STEP_HEADER, stepRows(results.growth.search.steps)),
    );
    if (results.growth.search.note) {
      lines.push('', `Search ended early: ${results.growth.search.note}.`);
    }
  }
  if (results.backlog) {
    const { latency, historyRows, failedRows, seedSeconds } = results.backlog;
    lines.push(
      '',
      `### Outage backlog: ${integer(failedRows)} FAILED rows not due in each outbox, ${integer(historyRows)} sent ` +
        `rows in the event table and each outbox (seeded and VACUUM ANALYZEd in ${seedSeconds.toFixed(0)} s)`,
      '',
      `${integer(latency.eventsPerSecond)} events/s, ${latency.eventsPerRequest} events/request, ${latency.seconds} s ` +
        `after a ${settings.latencyWarmupSeconds} s warm-up, PostHog answering at once; ${integer(latency.events)} ` +
        `events, ${latency.missing} not dispatched, drained ${latency.drainSeconds.toFixed(1)} s after the load.`,
      '',
      markdownTable(
        ['from ingest (received_at) to', 'p50', 'p95', 'p99'],
        [
          ['stored (created_at)', ms(latency.storedP50Ms), ms(latency.storedP95Ms), ms(latency.storedP99Ms)],
          [
            'DISPATCHED (dispatched_at)',
            ms(latency.dispatchedP50Ms),
            ms(latency.dispatchedP95Ms),
            ms(latency.dispatchedP99Ms),
          ],
        ],
      ),
    );
  }
  if (results.steady) {
    lines.push('', ...steadyMarkdown(results.steady));
  }
  if (results.bare) {
    const bare = results.bare;
    lines.push(
      '',
      `### Bare pipeline (one process, \`pg\` and \`amqplib\` only, its own database and vhost, ` +
        `${settings.bareWarmupSeconds} s warm-up + ${bare.seconds.toFixed(0)} s window)`,
      '',
      `Stored ${integer(bare.eventsPerSecond)} events/s (${integer(bare.storedRows)} rows counted at the end); its ` +
        `process used ${bare.cpuPerEventUs.toFixed(0)} µs of CPU per event.`,
    );
  }
  for (const latency of results.latency) {
    lines.push(
      '',
      `### Latency at ${integer(latency.eventsPerSecond)} events/s, PostHog answering ` +
        `${latency.posthogDelayMs > 0 ? `in ${latency.posthogDelayMs} ms` : 'at once'} ` +
        `(${latency.eventsPerRequest} events/request, ${latency.seconds} s after a ${settings.latencyWarmupSeconds} s ` +
        `warm-up, ${integer(latency.events)} events, ${latency.missing} not dispatched, drained ` +
        `${latency.drainSeconds.toFixed(1)} s after the load)`,
      '',
      markdownTable(
        ['from ingest (received_at) to', 'p50', 'p99'],
        [
          ['stored (created_at)', ms(latency.storedP50Ms), ms(latency.storedP99Ms)],
          ['DISPATCHED (dispatched_at)', ms(latency.dispatchedP50Ms), ms(latency.dispatchedP99Ms)],
        ],
      ),
    );
  }
  if (results.profiles.length > 0) {
    lines.push('', '### CPU profiles (`--profile`)', '');
    for (const profile of results.profiles) {
      lines.push(
        `- ${profile.app}: busy ${profile.busySeconds.toFixed(1)} s of ${profile.wallSeconds.toFixed(1)} s; ` +
          profile.byOrigin.map((share) => `${share.name} ${share.percent} %`).join(', '),
      );
    }
  }
  if (results.errors.length > 0) {
    lines.push('', '### Errors', '', ...results.errors.map((error) => `- ${error}`));
  }
  return lines.join('\n');
}

const megabytes = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : (bytes / 1e6).toFixed(1));

function steadyMarkdown(steady: SteadyFigure): string[] {
  const { settings } = steady;
  const tables = Object.keys(steady.periods[0]?.tables ?? {}).sort();
  return [
    `### Steady state with retention (${integer(settings.eventsPerSecond)} events/s for ${settings.seconds} s after a ` +
      `${settings.warmupSeconds} s warm-up; OUTBOX_RETENTION and MQ_TRACE_RETENTION \`PT${settings.retentionSeconds}S\`, ` +
      `RETENTION_INTERVAL \`PT${settings.retentionIntervalSeconds}S\`; ` +
      `${settings.vacuum ? 'tables vacuumed by the benchmark after each period as autovacuum would: throttled, no parallel workers' : 'autovacuum on'})`,
    '',
    `Drained ${steady.drainSeconds === null ? 'not in time' : `${steady.drainSeconds.toFixed(1)} s after the load`}` +
      `${Object.keys(steady.failureReasons).length > 0 ? `; failures ${JSON.stringify(steady.failureReasons)}` : ''}. ` +
      `Tables are judged from ${settleSeconds(settings.retentionSeconds, settings.retentionIntervalSeconds)} s on ` +
      '(retention plus two intervals).',
    '',
    markdownTable(
      [
        'period end',
        'accepted/s',
        'stored/s',
        'dispatched/s',
        'backlog slope/s',
        'events',
        'stored p50 / p99',
        ...tables.map((table) => `${shortTable(table)} rows / MB`),
        'verdict',
      ],
      steady.periods.map((period) => [
        `${period.endSeconds} s`,
        integer(period.acceptedEventsPerSecond),
        integer(period.storedEventsPerSecond),
        integer(period.dispatchedEventsPerSecond),
        integer(period.backlogSlope),
        integer(period.events),
        `${ms(period.storedP50Ms)} / ${ms(period.storedP99Ms)}`,
        ...tables.map(
          (table) => `${integer(period.tables[table]?.rows ?? 0)} / ${megabytes(period.tables[table]?.bytes)}`,
        ),
        period.stable ? 'stable' : `unstable: ${period.verdict}`,
      ]),
    ),
    '',
    cpuTable(
      steady.cpu,
      steady.periods.reduce((sum, p) => sum + p.acceptedEventsPerSecond * settings.periodSeconds, 0),
      'event',
    ),
  ];
}

/**
 * Replaces the block between the markers (or appends one), leaving the hand-written notes around it alone, and
 * formats the file as the repository's Prettier config says.
 */
export async function writeMarkdown(path: string, block: string, heading = '# Benchmarks\n'): Promise<void> {
  const fenced = `${BEGIN}\n${block}\n${END}`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : heading;
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    begin >= 0 && end > begin
      ? `${current.slice(0, begin)}${fenced}${current.slice(end + END.length)}`
      : `${current.trimEnd()}\n\n${fenced}\n`;
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(path)) ?? {};
  writeFileSync(path, await prettier.format(next, { ...options, filepath: path }));
}
