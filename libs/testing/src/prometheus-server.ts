import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { freePort } from './pipeline-processes';
import { testEnvironment } from './test-environment';
import { sleep } from './wait-for';

export interface ScrapeTarget {
  /** The job name, which the alert rules select `up` by (the app's name). */
  job: string;
  /** Base URL of the app (`http://127.0.0.1:<port>`); `/metrics` is scraped. */
  url: string;
}

/** One alert as `GET /api/v1/alerts` reports it. */
export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  value: string;
}

export interface PrometheusOptions {
  /** The alert rules file's text. */
  rules: string;
  targets: ScrapeTarget[];
  /** Scrape and rule evaluation interval. */
  intervalSeconds: number;
}

/**
 * A real Prometheus server (Debian's `prometheus` package, or the binary named by the PROMETHEUS variable) on a free local port
 * with its own temporary data directory, scraping the given targets and evaluating the given alert rules.
 */
export class PrometheusServer {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    private readonly dir: string,
    private readonly stderr: string[],
  ) {}

  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), 'prometheus-test-'));
    const interval = `${options.intervalSeconds}s`;
    await writeFile(join(dir, 'alerts.yml'), options.rules);
    await writeFile(
      join(dir, 'prometheus.yml'),
      dump({
        global: { scrape_interval: interval, evaluation_interval: interval },
        rule_files: [join(dir, 'alerts.yml')],
        scrape_configs: options.targets.map(({ job, url }) => ({
          job_name: job,
          static_configs: [{ targets: [new URL(url).host] }],
        })),
      }),
    );
    const port = await freePort();
    const stderr: string[] = [];
    const child = spawn(
      testEnvironment.PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    const spawnFailure: { error: Error | null } = { error: null };
    const exited = new Promise<void>((resolve) => {
      child.once('error', (error) => {
        spawnFailure.error = new Error(
          `cannot run ${testEnvironment.PROMETHEUS} (${error.message}); install Debian's prometheus package ` +
            '(apt-get install prometheus, as .ci/run does) or set PROMETHEUS to the binary',
        );
        resolve();
      });
      child.once('exit', () => resolve());
    });
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, exited, dir, stderr);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (spawnFailure.error !== null || child.exitCode !== null) {
        await rm(dir, { recursive: true, force: true });
        throw spawnFailure.error ?? new Error(`prometheus exited at start:\n${stderr.join('')}`);
      }
      if (await server.ready()) {
        return server;
      }
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`prometheus not ready after 30 s:\n${stderr.join('')}`);
      }
      await sleep(100);
    }
  }

  private async ready(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok;
    } catch {
      return false;
    }
  }

  /** Active alerts (pending and firing), `GET /api/v1/alerts`. */
  async alerts(): Promise<PrometheusAlert[]> {
    const body = (await (await fetch(`${this.url}/api/v1/alerts`)).json()) as { data: { alerts: PrometheusAlert[] } };
    return body.data.alerts;
  }

  /** An instant query, `GET /api/v1/query`: each series' labels and value. */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
    }
    await this.exited;
    await rm(this.dir, { recursive: true, force: true });
  }
}
