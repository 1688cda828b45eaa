import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { FakePosthog } from './fake-posthog';
import { FaultProxy } from './fault-proxy';
import { LogCapture, LogLine } from './log-capture';
import { createTestDatabase, TestDatabase } from './test-database';
import { createTestVhost, TestVhost } from './test-vhost';
import { sleep } from './wait-for';

/** The five deployable apps, as `npm run build` leaves them in `dist/apps/<name>/src/main.js`. */
export const PIPELINE_APPS = ['ingest-api', 'outbox-relay', 'event-store-consumer', 'dispatcher', 'admin-api'] as const;

export type PipelineAppName = (typeof PIPELINE_APPS)[number];

/** The secrets the apps of a pipeline are started with, for the requests a test or benchmark sends. */
export interface PipelineCredentials {
  /** INGEST_SERVICE_TOKEN: `Authorization: Bearer <serviceToken>` on the internal ingest endpoint. */
  serviceToken: string;
  /** JWT_SECRET of ingest-api (HS256 member tokens). */
  jwtSecret: string;
  /** The secret of the one ADMIN_TOKENS entry (`pipeline:<adminToken>`). */
  adminToken: string;
  /** ANALYTICS_POSTHOG_API_KEY. */
  posthogApiKey: string;
}

export interface PipelineOptions {
  /** Names the database and the vhost (letters, digits, underscores). */
  label: string;
  /** Replicas per app; 1 each by default, 0 leaves an app out. */
  replicas?: Partial<Record<PipelineAppName, number>>;
  /** Env for every app, over the defaults (URLs, port, tokens, PostHog on and pointed at the fake). */
  env?: Record<string, string>;
  /** Env for the replicas of one app, over `env`. */
  appEnv?: Partial<Record<PipelineAppName, Record<string, string>>>;
  /** Apps that reach PostgreSQL or RabbitMQ through `databaseProxy` / `brokerProxy`, so a test can cut them off. */
  throughProxy?: { database?: PipelineAppName[]; broker?: PipelineAppName[] };
  /** Where the built apps are; this repository's `dist` by default. */
  distDir?: string;
  /** How long a start or restart may take to become ready; 30 s by default. */
  readyTimeoutMs?: number;
}

/** How a child process ended. */
export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from the signal sent by `kill` to the exit (0 when it exited on its own). */
  afterMs: number;
}

const DEFAULT_CREDENTIALS: PipelineCredentials = {
  serviceToken: 'pipeline-service-token',
  jwtSecret: 'pipeline-jwt-secret',
  adminToken: 'pipeline-admin-token',
  posthogApiKey: 'phc_pipeline_key',
};

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A child left behind by a crashed test run would keep polling a dropped database; take them down with us. */
function installExitHook(): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const child of live) {
        child.kill('SIGKILL');
      }
    });
  }
}

/** A port nobody listens on right now, chosen before the app starts so it keeps it across restarts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

function parseLine(line: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as LogLine;
    }
  } catch {
    // not a JSON log line: kept as text below
  }
  return { level: 'text', msg: line };
}

/**
 * One replica of one app running as `node dist/apps/<app>/src/main.js`, on a fixed port it keeps across restarts.
 * Its stdout (JSON lines) accumulates in `logs` over every run; stderr lines in `stderr`.
 */
export class AppProcess {
  /** Every log line of every run of this replica, parsed. */
  readonly logs = new LogCapture();
  /** What the process wrote to stderr (start-up failures), over every run. */
  readonly stderr: string[] = [];
  private child: ChildProcess | null = null;
  private exited: Promise<AppExit> | null = null;
  private signalledAt = 0;

  constructor(
    readonly name: PipelineAppName,
    readonly replica: number,
    readonly port: number,
    private readonly mainPath: string,
    private readonly env: Record<string, string>,
    private readonly readyTimeoutMs: number,
  ) {}

  /** Base URL of the app's HTTP port (API, /health, /metrics). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Spawns the process, with `settings` over its env for this run only, and resolves once `/health/ready` answers
   * 200; rejects if it exits or times out first.
   */
  async start(settings: Record<string, string> = {}): Promise<void> {
    if (this.child !== null) {
      throw new Error(`${this.label} is already running`);
    }
    const child = spawn(process.execPath, [this.mainPath], {
      // Not the repository root, whose .env (a developer's local settings) the apps would read.
      cwd: dirname(this.mainPath),
      env: { ...this.env, ...settings, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    this.child = child;
    this.signalledAt = 0;
    createInterface({ input: child.stdout }).on('line', (line) => this.logs.lines.push(parseLine(line)));
    createInterface({ input: child.stderr }).on('line', (line) => this.stderr.push(line));
    this.exited = new Promise<AppExit>((done) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        if (this.child === child) {
          this.child = null;
        }
        done({ code, signal, afterMs: this.signalledAt === 0 ? 0 : Date.now() - this.signalledAt });
      });
    });
    await this.waitForReady();
  }

  /** Sends `signal` and resolves with how the process ended; rejects if it is still alive after `timeoutMs`. */
  async kill(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<AppExit> {
    const child = this.child;
    const exited = this.exited;
    if (child === null || exited === null) {
      throw new Error(`${this.label} is not running`);
    }
    this.signalledAt = Date.now();
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, fail) => {
      timer = setTimeout(
        () => fail(new Error(`${this.label} still running ${timeoutMs} ms after ${signal}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([exited, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the process with `signal` (when running), then starts it again on the same port and waits until ready. */
  async restart(signal: NodeJS.Signals = 'SIGTERM', envOverrides: Record<string, string> = {}): Promise<void> {
    if (this.child !== null) {
      await this.kill(signal);
    }
    await this.start(envOverrides);
  }

  /** Resolves once `/health/ready` answers 200. */
  async waitForReady(timeoutMs = this.readyTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const exited = this.exited;
    let gone = false;
    void exited?.then(() => (gone = true));
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (gone || this.child === null) {
        throw new Error(`${this.label} exited before it was ready:\n${this.stderr.slice(-20).join('\n')}`);
      }
      try {
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        last = `${response.status} ${await response.text()}`;
        if (response.status === 200) {
          return;
        }
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(100);
    }
    throw new Error(`${this.label} not ready after ${timeoutMs} ms (last answer: ${last})`);
  }

  private get label(): string {
    return `${this.name}#${this.replica}`;
  }
}

/**
 * The five apps as child processes against a fresh database and vhost, PostHog replaced by a FakePosthog, and
 * optional FaultProxy instances between chosen apps and PostgreSQL or RabbitMQ. Needs `npm run build` first.
 *
 * ```ts
 * const pipeline = await PipelineProcesses.start({ label: 'broker_outage', throughProxy: { broker: ['outbox-relay'] } });
 * await fetch(`${pipeline.app('ingest-api').url}/api/v1/analytics/events`, { method: 'POST', ... });
 * pipeline.brokerProxy.cut();
 * await pipeline.app('outbox-relay').kill('SIGKILL');
 * await pipeline.app('outbox-relay').start();
 * await pipeline.stop();
 * ```
 */
export class PipelineProcesses {
  private constructor(
    readonly db: TestDatabase,
    readonly vhost: TestVhost,
    readonly posthog: FakePosthog,
    /** Between PostgreSQL and the apps listed in `throughProxy.database`; the others connect directly. */
    readonly databaseProxy: FaultProxy,
    /** Between RabbitMQ and the apps listed in `throughProxy.broker`; the others connect directly. */
    readonly brokerProxy: FaultProxy,
    readonly credentials: PipelineCredentials,
    private readonly processes: AppProcess[],
  ) {}

  /** Creates the database, vhost, fake PostHog and proxies, then starts every replica and waits until all are ready. */
  static async start(options: PipelineOptions): Promise<PipelineProcesses> {
    const distDir = options.distDir ?? defaultDistDir();
    const missing = PIPELINE_APPS.filter((name) => (options.replicas?.[name] ?? 1) > 0).find(
      (name) => !existsSync(mainPath(distDir, name)),
    );
    if (missing !== undefined) {
      throw new Error(`${mainPath(distDir, missing)} is missing; run npm run build first`);
    }
    installExitHook();
    const db = await createTestDatabase(options.label);
    const vhost = await createTestVhost(options.label);
    const posthog = await FakePosthog.start();
    const database = await FaultProxy.forUrl(db.url);
    const broker = await FaultProxy.forUrl(vhost.url);
    const credentials = DEFAULT_CREDENTIALS;
    const processes: AppProcess[] = [];
    for (const name of PIPELINE_APPS) {
      const env: Record<string, string> = {
        LOG_LEVEL: 'info',
        DATABASE_URL: options.throughProxy?.database?.includes(name) ? database.url : db.url,
        RABBITMQ_URL: options.throughProxy?.broker?.includes(name) ? broker.url : vhost.url,
        INGEST_SERVICE_TOKEN: credentials.serviceToken,
        JWT_SECRET: credentials.jwtSecret,
        ADMIN_TOKENS: `pipeline:${credentials.adminToken}`,
        ANALYTICS_POSTHOG_ENABLED: 'true',
        ANALYTICS_POSTHOG_API_KEY: credentials.posthogApiKey,
        ANALYTICS_POSTHOG_HOST: posthog.url,
        ...options.env,
        ...options.appEnv?.[name],
      };
      for (let replica = 0; replica < (options.replicas?.[name] ?? 1); replica++) {
        const port = await freePort();
        processes.push(
          new AppProcess(name, replica, port, mainPath(distDir, name), env, options.readyTimeoutMs ?? 30_000),
        );
      }
    }
    const pipeline = new PipelineProcesses(db, vhost, posthog, database.proxy, broker.proxy, credentials, processes);
    try {
      await Promise.all(processes.map((app) => app.start()));
    } catch (error) {
      await pipeline.stop();
      throw error;
    }
    return pipeline;
  }

  /** One replica of an app (the first by default). */
  app(name: PipelineAppName, replica = 0): AppProcess {
    const found = this.processes.find((app) => app.name === name && app.replica === replica);
    if (found === undefined) {
      throw new Error(`${name}#${replica} is not part of this pipeline`);
    }
    return found;
  }

  /** Every replica of an app, or of every app. */
  replicas(name?: PipelineAppName): AppProcess[] {
    return this.processes.filter((app) => name === undefined || app.name === name);
  }

  /** Kills every process (SIGKILL), closes the proxies and the fake, drops the database and the vhost. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.processes.filter((app) => app.running).map((app) => app.kill('SIGKILL')));
    await this.databaseProxy.close();
    await this.brokerProxy.close();
    await this.posthog.close();
    await this.vhost.drop();
    await this.db.drop();
  }
}

function mainPath(distDir: string, name: PipelineAppName): string {
  return join(distDir, 'apps', name, 'src', 'main.js');
}

/** `dist` of this repository, whether this file runs from source (ts-jest) or compiled into dist itself. */
function defaultDistDir(): string {
  const root = resolve(__dirname, '../../..');
  return basename(root) === 'dist' ? root : join(root, 'dist');
}
