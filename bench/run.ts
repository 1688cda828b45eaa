import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { measureBarePipeline } from './bare-pipeline';
import { BacklogProbe } from './backlog-probe';
import { BenchPipeline, deployedNodeEnv, DOWNSTREAM_APPS } from './bench-pipeline';
import {
  figureRows,
  formatMarkdown,
  formatTable,
  otherWorkShare,
  QUIET_MACHINE_SHARE,
  writeMarkdown,
} from './bench-report';
import { BenchResults } from './bench-results';
import { CpuAccounting } from './cpu-accounting';
import { BENCH_PARTS, BenchPart, benchSettings } from './bench-settings';
import { seedHistory, seedStalledRows } from './growth-seed';
import { measureIngest } from './ingest.bench';
import { measureLatency } from './latency.bench';
import { machineInfo } from './machine-info';
import { formatProfileSummary, summarizeProfiles } from './profile-summary';
import { postgresInsertRate, rabbitPublishRate } from './raw-limits.bench';
import { findSustainedRate } from './sustained-search';
import { runSteady } from './steady.bench';
import { runStep, StepSettings } from './sustained.bench';

/** The repository root, from dist/bench/run.js. */
const ROOT = resolve(__dirname, '../..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const PIPELINE_TABLES =
  'user_activity_event, user_activity_source_outbox, user_activity_dispatch_outbox, message_queue_trace_log';

const settings = benchSettings(process.argv.slice(2));
const startedAt = new Date();
const clock = performance.now();
const profileDir = settings.profile
  ? join(RESULTS_DIR, 'profiles', startedAt.toISOString().replace(/[:.]/g, '-'))
  : null;

function log(message: string): void {
  const seconds = ((performance.now() - clock) / 1000).toFixed(0).padStart(4);
  process.stdout.write(`[bench ${seconds}s] ${message}\n`);
}

const results: BenchResults = {
  mode: settings.quick ? 'quick' : 'full',
  startedAt: startedAt.toISOString(),
  finishedAt: '',
  durationSeconds: 0,
  machine: null,
  loadAtEnd: [],
  settings,
  appProcessEnv: {},
  rawLimits: {},
  bare: null,
  ingest: [],
  latency: [],
  sustained: null,
  backlog: null,
  steady: null,
  growth: null,
  peakRssBytes: {},
  profiles: [],
  errors: [],
};

let pipeline: BenchPipeline | null = null;

const measures = (part: BenchPart) => settings.parts.includes(part);

/** Runs one phase; a failure is recorded and the run goes on with what is left. */
async function phase<T>(name: string, work: () => Promise<T>): Promise<T | null> {
  log(`${name}…`);
  try {
    return await work();
  } catch (error) {
    const message = `${name} failed: ${(error as Error).stack ?? String(error)}`;
    results.errors.push(message.split('\n').slice(0, 3).join(' '));
    log(message);
    return null;
  }
}

/** A phase of one part of the run, skipped when `--only` leaves that part out. */
async function phaseIf<T>(part: BenchPart, name: string, work: () => Promise<T>): Promise<T | null> {
  return measures(part) ? phase(name, work) : null;
}

async function truncatePipelineTables(running: BenchPipeline): Promise<void> {
  await running.processes.db.query(`TRUNCATE ${PIPELINE_TABLES}`);
}

/**
 * The relay, the consumer and the dispatcher stopped: for ingest-api measured alone, and for seeding (while an index
 * is being rebuilt their polls would scan the table that is being filled).
 */
function whileDownstreamStopped<T>(running: BenchPipeline, work: () => Promise<T>): Promise<T> {
  return running.whileStopped(DOWNSTREAM_APPS, work);
}

async function run(): Promise<void> {
  log(
    `${results.mode} run; load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' / ')}`,
  );
  const nodeEnv = deployedNodeEnv(ROOT);
  results.appProcessEnv = nodeEnv;
  log(
    `apps run as deployed: ${Object.entries(nodeEnv)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ')}`,
  );
  const running = await BenchPipeline.start('bench', nodeEnv, profileDir, join(__dirname, 'profile-exit.preload.js'));
  pipeline = running;
  const { db, vhost } = running.processes;
  results.machine = await machineInfo(db.url, vhost.url);
  log(`pipeline up: database ${db.name}, vhost ${vhost.name}`);

  if (measures('raw')) {
    await phase('raw PostgreSQL batched INSERT', async () => {
      results.rawLimits.postgresInsertRowsPerSecond = await postgresInsertRate(db.url, settings.rawSeconds);
      log(`  ${Math.round(results.rawLimits.postgresInsertRowsPerSecond)} rows/s`);
    });
    await phase('raw RabbitMQ confirmed publish', async () => {
      results.rawLimits.rabbitPublishMessagesPerSecond = await rabbitPublishRate(vhost.url, settings.rawSeconds);
      log(`  ${Math.round(results.rawLimits.rabbitPublishMessagesPerSecond)} msgs/s`);
    });
  }
  if (measures('bare')) {
    await phase('bare pipeline (one process, pg and amqplib only, its own database and vhost)', async () => {
      results.bare = await measureBarePipeline(settings.bareWarmupSeconds, settings.bareSeconds);
      log(
        `  ${Math.round(results.bare.eventsPerSecond)} events/s stored, ${results.bare.cpuPerEventUs.toFixed(0)} µs ` +
          `of its process's CPU per event`,
      );
    });
  }

  const cpu = new CpuAccounting(running.processes);
  await phaseIf('ingest', 'ingest (ingest-api alone)', async () => {
    await whileDownstreamStopped(running, async () => {
      try {
        await measureIngest(
          running.ingestUrl,
          db.client,
          cpu,
          10,
          settings.ingestConnections,
          settings.ingestWarmupSeconds,
        );
        await db.query('TRUNCATE user_activity_source_outbox');
        for (const size of [1, 10, 50]) {
          const figure = await measureIngest(
            running.ingestUrl,
            db.client,
            cpu,
            size,
            settings.ingestConnections,
            settings.ingestSeconds,
          );
          results.ingest.push(figure);
          log(
            `  ${size}/request: ${Math.round(figure.requestsPerSecond)} req/s, ${Math.round(figure.eventsPerSecond)} ` +
              `events/s, p50 ${figure.latencyP50Ms} ms, p99 ${figure.latencyP99Ms} ms, ${figure.failed} failed; ` +
              `ingest-api ${(((figure.cpu.byProcess['ingest-api'] ?? 0) / (figure.requestsPerSecond * figure.seconds)) * 1000).toFixed(2)} ` +
              `ms CPU/request, machine busy ${Math.round((figure.cpu.machineBusy / figure.cpu.machineCapacity) * 100)} %`,
          );
          await db.query('TRUNCATE user_activity_source_outbox');
        }
      } finally {
        await db.query('TRUNCATE user_activity_source_outbox');
      }
    });
  });

  const probe = await BacklogProbe.open(running.processes);
  try {
    const deadline = startedAt.getTime() + settings.deadlineSeconds * 1000 - 20_000;
    const stepSettings: StepSettings = {
      eventsPerRequest: settings.e2eEventsPerRequest,
      warmupSeconds: settings.stepWarmupSeconds,
      seconds: settings.stepSeconds,
      drainTimeoutSeconds: settings.drainTimeoutSeconds,
      tolerance: settings.stepTolerance,
    };
    const step = async (rate: number, truncate: boolean) => {
      if (truncate) {
        await truncatePipelineTables(running);
      }
      const result = await runStep(running.ingestUrl, probe, cpu, rate, stepSettings);
      log(
        `  ${rate}/s offered: accepted ${Math.round(result.acceptedEventsPerSecond)}, stored ` +
          `${Math.round(result.storedEventsPerSecond)}, dispatched ${Math.round(result.dispatchedEventsPerSecond)}/s; ` +
          `${result.stable ? 'stable' : `unstable (${result.verdict})`}; ` +
          `${result.failedRequests > 0 ? `failures ${JSON.stringify(result.failureReasons)}; ` : ''}drained ` +
          `${result.drainSeconds === null ? 'no' : `${result.drainSeconds.toFixed(1)} s`}; machine busy ` +
          `${Math.round((result.cpu.machineBusy / result.cpu.machineCapacity) * 100)} %, others ` +
          `${Math.round((result.cpu.others / result.cpu.machineCapacity) * 100)} %`,
      );
      return result;
    };

    for (const posthogDelayMs of settings.latencyPosthogDelaysMs) {
      await phaseIf(
        'latency',
        `latency at ${settings.latencyRate} events/s, PostHog answering in ${posthogDelayMs} ms`,
        async () => {
          await truncatePipelineTables(running);
          const latency = await measureLatency(
            running.processes,
            probe,
            {
              eventsPerSecond: settings.latencyRate,
              eventsPerRequest: settings.e2eEventsPerRequest,
              warmupSeconds: settings.latencyWarmupSeconds,
              seconds: settings.latencySeconds,
              posthogDelayMs,
            },
            settings.drainTimeoutSeconds * 1000,
          );
          results.latency.push(latency);
          log(
            `  stored p50 ${latency.storedP50Ms.toFixed(1)} / p99 ${latency.storedP99Ms.toFixed(1)} ms; dispatched ` +
              `p50 ${latency.dispatchedP50Ms.toFixed(1)} / p99 ${latency.dispatchedP99Ms.toFixed(1)} ms; drained in ` +
              `${latency.drainSeconds.toFixed(1)} s`,
          );
        },
      );
    }

    await phaseIf('sustained', 'sustained end to end, empty tables', async () => {
      results.sustained = await findSustainedRate((rate) => step(rate, true), {
        start: settings.sustainedStart,
        step: settings.sustainedStep,
        refinements: settings.sustainedRefinements,
        maxSteps: settings.sustainedMaxSteps,
        deadline,
      });
      log(`  highest stable rate: ${results.sustained.rate ?? 'none'}`);
    });

    await phaseIf(
      'backlog',
      `outage backlog: ${settings.backlogFailedRows} FAILED rows not due in each outbox, ` +
        `${settings.backlogHistoryRows} sent rows`,
      async () => {
        await truncatePipelineTables(running);
        const seedSeconds = await whileDownstreamStopped(
          running,
          async () =>
            (await seedHistory(db.url, settings.backlogHistoryRows)) +
            (await seedStalledRows(db.url, settings.backlogFailedRows)),
        );
        log(`  seeded in ${seedSeconds.toFixed(0)} s`);
        const latency = await measureLatency(
          running.processes,
          probe,
          {
            eventsPerSecond: settings.backlogRate,
            eventsPerRequest: settings.e2eEventsPerRequest,
            warmupSeconds: settings.latencyWarmupSeconds,
            seconds: settings.latencySeconds,
            posthogDelayMs: 0,
          },
          settings.drainTimeoutSeconds * 1000,
        );
        results.backlog = {
          historyRows: settings.backlogHistoryRows,
          failedRows: settings.backlogFailedRows,
          seedSeconds,
          latency,
        };
        log(
          `  stored p50 ${latency.storedP50Ms.toFixed(1)} / p95 ${latency.storedP95Ms.toFixed(1)} / p99 ` +
            `${latency.storedP99Ms.toFixed(1)} ms; ${latency.missing} not dispatched; drained in ` +
            `${latency.drainSeconds.toFixed(1)} s`,
        );
      },
    );

    await phaseIf('steady', `steady state with retention of ${settings.steadyRetentionSeconds} s`, async () => {
      const sustainedRate = results.sustained?.rate ?? settings.sustainedStart;
      const rate = Math.max(100, Math.round((sustainedRate * settings.steadyShareOfSustained) / 100) * 100);
      log(`  ${rate} events/s for ${settings.steadySeconds} s`);
      await truncatePipelineTables(running);
      results.steady = await runSteady(
        running.processes,
        probe,
        cpu,
        {
          eventsPerSecond: rate,
          eventsPerRequest: settings.e2eEventsPerRequest,
          warmupSeconds: settings.stepWarmupSeconds,
          seconds: settings.steadySeconds,
          periodSeconds: settings.steadyPeriodSeconds,
          retentionSeconds: settings.steadyRetentionSeconds,
          retentionIntervalSeconds: settings.steadyRetentionIntervalSeconds,
          tolerance: settings.stepTolerance,
          drainTimeoutSeconds: settings.drainTimeoutSeconds,
          vacuum: results.machine?.postgresAutovacuum !== 'on',
        },
        log,
      );
      const steady = results.steady;
      log(
        `  rate ${steady.rateHeld ? 'held' : 'not held'}; p99 first ${steady.firstP99Ms.toFixed(1)} ms, worst ` +
          `${steady.worstP99Ms.toFixed(1)} ms; ${steady.levelled ? 'tables levelled off' : 'tables did not level off'}`,
      );
    });

    await phaseIf('growth', `growth: ${settings.growthRows} rows present`, async () => {
      await truncatePipelineTables(running);
      const seedSeconds = await whileDownstreamStopped(running, () => seedHistory(db.url, settings.growthRows));
      log(`  seeded in ${seedSeconds.toFixed(0)} s`);
      const search = await findSustainedRate(
        async (rate) => {
          // In place of autovacuum between steps, whatever the server's setting (test servers often run without it).
          await db.query(`VACUUM ${PIPELINE_TABLES}`);
          return step(rate, false);
        },
        {
          start: results.sustained?.rate ?? settings.sustainedStart,
          step: settings.sustainedStep / 2,
          refinements: settings.quick ? 0 : 1,
          maxSteps: settings.quick ? 2 : 5,
          deadline,
        },
      );
      results.growth = { seededRows: settings.growthRows, seedSeconds, search };
      log(`  highest stable rate: ${search.rate ?? 'none'}`);
    });
  } finally {
    await probe.close();
  }

  for (const app of running.processes.replicas()) {
    if (!app.running) {
      results.errors.push(`${app.name} was not running at the end: ${app.stderr.slice(-3).join(' ')}`);
    }
  }
}

async function finish(): Promise<void> {
  const running = pipeline;
  pipeline = null;
  if (running) {
    await running.stop().catch((error: Error) => results.errors.push(`stopping the pipeline: ${error.message}`));
    for (const [app, bytes] of running.peakRssBytes) {
      results.peakRssBytes[app] = bytes;
    }
  }
  if (profileDir) {
    results.profiles = summarizeProfiles(profileDir);
    const text = results.profiles.map(formatProfileSummary).join('\n\n');
    writeFileSync(join(profileDir, 'summary.txt'), `${text}\n`);
    process.stdout.write(`\nCPU profiles (${profileDir}):\n${text}\n`);
  }
  results.finishedAt = new Date().toISOString();
  results.durationSeconds = (performance.now() - clock) / 1000;
  results.loadAtEnd = loadavg().map((load) => Math.round(load * 100) / 100);
  process.stdout.write(`\n${formatTable(figureRows(results))}\n`);
  if (results.errors.length > 0) {
    process.stdout.write(`\nerrors:\n${results.errors.map((error) => `- ${error}`).join('\n')}\n`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeMarkdown(join(RESULTS_DIR, 'latest.md'), formatMarkdown(results), '# Benchmark run\n');
  log('wrote bench/results/latest.json and bench/results/latest.md');
  const docsLeftAlone = whyDocsLeftAlone();
  if (docsLeftAlone === null) {
    await writeMarkdown(join(ROOT, 'docs', 'benchmarks.md'), formatMarkdown(results));
    log('wrote docs/benchmarks.md');
  } else {
    log(`docs/benchmarks.md left as it is (it holds a full run on a quiet machine): ${docsLeftAlone}`);
  }
}

/** The committed figures come only from a complete full run on a machine nothing else was using. */
function whyDocsLeftAlone(): string | null {
  if (settings.quick) {
    return 'quick run';
  }
  if (settings.parts.length < BENCH_PARTS.length) {
    return `only ${settings.parts.join(', ')} measured`;
  }
  if (results.errors.length > 0) {
    return 'the run had errors';
  }
  const share = otherWorkShare(results);
  if (share === null || share > QUIET_MACHINE_SHARE) {
    return `other work used ${share === null ? 'an unknown share' : `${Math.round(share * 100)} %`} of the machine`;
  }
  return null;
}

let finishing: Promise<void> | null = null;
function finishOnce(): Promise<void> {
  finishing ??= finish();
  return finishing;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    results.errors.push(`interrupted by ${signal}`);
    void finishOnce().finally(() => process.exit(130));
  });
}

const watchdog = setTimeout(() => {
  log(`still running after ${settings.deadlineSeconds} s; cleaning up`);
  results.errors.push(`aborted after ${settings.deadlineSeconds} s`);
  void finishOnce().finally(() => process.exit(1));
}, settings.deadlineSeconds * 1000);

run()
  .catch((error: Error) => {
    results.errors.push(`run failed: ${error.message}`);
    log(`run failed: ${error.stack ?? error.message}`);
  })
  .then(finishOnce)
  .then(() => {
    clearTimeout(watchdog);
    process.exit(results.errors.length > 0 ? 1 : 0);
  })
  .catch((error: Error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
