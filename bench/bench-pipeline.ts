import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
// The lib's index also exports jest-only helpers, which the build (node types only) cannot compile; this module and
// what it imports need nothing from jest.
import { PIPELINE_APPS, PipelineAppName, PipelineProcesses } from '../libs/testing/src/pipeline-processes';

export { PIPELINE_APPS, PipelineAppName, PipelineProcesses };

/** The apps behind ingest-api; stopped while ingest-api is measured alone. */
export const DOWNSTREAM_APPS: PipelineAppName[] = ['outbox-relay', 'event-store-consumer', 'dispatcher'];

/**
 * The process settings the apps are deployed with: NODE_ENV from the Dockerfile and NODE_OPTIONS (the V8 heap limit
 * sized for the containers) from the Kubernetes base, read from those files so that the benchmark cannot drift.
 */
export function deployedNodeEnv(root: string): Record<string, string> {
  const env: Record<string, string> = {};
  const read = (path: string) => (existsSync(join(root, path)) ? readFileSync(join(root, path), 'utf8') : '');
  const nodeEnv = /^ENV NODE_ENV=(\S+)$/m.exec(read('Dockerfile'));
  if (nodeEnv) {
    env.NODE_ENV = nodeEnv[1];
  }
  const nodeOptions = /^\s*- NODE_OPTIONS=(.+)$/m.exec(read('deploy/k8s/base/kustomization.yaml'));
  if (nodeOptions) {
    env.NODE_OPTIONS = nodeOptions[1].trim();
  }
  return env;
}

/**
 * The only app settings the benchmark changes: all its requests come from one address, which the per-network rate
 * limit of ingest-api exists to stop, so that limit is off (the per-caller limit stays on).
 */
export const BENCH_APP_ENV: Partial<Record<PipelineAppName, Record<string, string>>> = {
  'ingest-api': { ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS: '0' },
};

/** Peak resident set size (VmHWM) of a live process, in bytes; null once it is gone. */
async function peakRss(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The five built apps as processes (fresh database and vhost, fake PostHog), every app setting at its default and
 * `env` (the deployed process settings) on top, with their peak RSS tracked across restarts and, with `profileDir`, a
 * V8 CPU profile per app and run.
 */
export class BenchPipeline {
  /** Highest VmHWM seen per app, over every process that app ran as. */
  readonly peakRssBytes = new Map<PipelineAppName, number>();
  private sampler: NodeJS.Timeout | null = null;

  private constructor(
    readonly processes: PipelineProcesses,
    private readonly profiling: boolean,
  ) {}

  static async start(
    label: string,
    env: Record<string, string>,
    profileDir: string | null,
    preloadPath: string,
  ): Promise<BenchPipeline> {
    const appEnv: Partial<Record<PipelineAppName, Record<string, string>>> = { ...BENCH_APP_ENV };
    if (profileDir !== null) {
      for (const app of PIPELINE_APPS) {
        const dir = join(profileDir, app);
        mkdirSync(dir, { recursive: true });
        appEnv[app] = {
          ...BENCH_APP_ENV[app],
          NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${preloadPath}`.trim(),
          BENCH_PROFILE_FILE: join(dir, `${app}-{pid}.cpuprofile`),
        };
      }
    }
    const processes = await PipelineProcesses.start({ label, env, appEnv, readyTimeoutMs: 60_000 });
    const pipeline = new BenchPipeline(processes, profileDir !== null);
    pipeline.sampler = setInterval(() => void pipeline.samplePeaks(), 1_000);
    return pipeline;
  }

  get ingestUrl(): string {
    return this.processes.app('ingest-api').url;
  }

  async samplePeaks(): Promise<void> {
    for (const app of this.processes.replicas()) {
      const pid = app.pid;
      if (pid === undefined) {
        continue;
      }
      const peak = await peakRss(pid);
      if (peak !== null && peak > (this.peakRssBytes.get(app.name) ?? 0)) {
        this.peakRssBytes.set(app.name, peak);
      }
    }
  }

  async stopApps(names: PipelineAppName[]): Promise<void> {
    await this.samplePeaks();
    await Promise.all(names.map((name) => this.processes.app(name).kill('SIGTERM')));
  }

  async startApps(names: PipelineAppName[]): Promise<void> {
    await Promise.all(names.map((name) => this.processes.app(name).start()));
  }

  /** `work` with these apps stopped; they start again whatever it does. */
  async whileStopped<T>(names: PipelineAppName[], work: () => Promise<T>): Promise<T> {
    await this.stopApps(names);
    try {
      return await work();
    } finally {
      await this.startApps(names);
    }
  }

  /** Everything down and dropped; with profiling the apps get a SIGTERM first so that they write their profiles. */
  async stop(): Promise<void> {
    if (this.sampler) {
      clearInterval(this.sampler);
      this.sampler = null;
    }
    await this.samplePeaks();
    if (this.profiling) {
      await Promise.allSettled(
        this.processes
          .replicas()
          .filter((app) => app.running)
          .map((app) => app.kill('SIGTERM')),
      );
    }
    await this.processes.stop();
  }
}
