import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PIPELINE_APPS } from './pipeline-processes';
import { createTestDatabase, TestDatabase } from './test-database';
import { testEnvironment } from './test-environment';
import { createTestVhost, TestVhost } from './test-vhost';
import { waitFor } from './wait-for';

const run = promisify(execFile);
const repoRoot = resolve(__dirname, '../../..');

/** The text of a file of this repository (README.md, .env.example). */
export function repositoryFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

/** The README from one heading to the next one given. */
export function readmeSection(fromHeading: string, toHeading: string): string {
  const readme = repositoryFile('README.md');
  const start = readme.indexOf(fromHeading);
  if (start < 0) {
    throw new Error(`README.md has no heading ${fromHeading}`);
  }
  return readme.slice(start, readme.indexOf(toHeading, start + 1));
}

/** The fenced bash blocks of the README between two headings, in order. */
export function readmeBashBlocks(fromHeading: string, toHeading: string): string[] {
  return [...readmeSection(fromHeading, toHeading).matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1].trim());
}

function listen(port: number): Promise<Server | null> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(null));
    server.listen(port, () => done(server));
  });
}

/** The first of `count` consecutive ports nobody listens on right now. */
async function freePortRange(count: number): Promise<number> {
  for (;;) {
    const servers: Server[] = [];
    const first = await listen(0);
    if (first === null) {
      continue;
    }
    servers.push(first);
    const base = (first.address() as AddressInfo).port;
    for (let offset = 1; offset < count; offset++) {
      const next = await listen(base + offset);
      if (next === null) {
        break;
      }
      servers.push(next);
    }
    await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
    if (servers.length === count) {
      return base;
    }
  }
}

/**
 * `npm start` (scripts/start-all.js, without its build) as a newcomer runs it: in a directory of its own whose `.env` is
 * `.env.example` pointed at a fresh database and vhost, on five consecutive free ports instead of 3000–3004.
 */
export class LocalRun {
  /** Everything start-all.js wrote to stdout and stderr. */
  output = '';
  private exitCode: Promise<number | null>;

  private constructor(
    readonly directory: string,
    readonly firstPort: number,
    readonly db: TestDatabase,
    readonly vhost: TestVhost,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    this.exitCode = new Promise((done) => child.once('exit', (code) => done(code)));
  }

  static async start(label: string): Promise<LocalRun> {
    const db = await createTestDatabase(label);
    const vhost = await createTestVhost(label);
    const directory = mkdtempSync(join(tmpdir(), `${label}-`));
    const env = repositoryFile('.env.example')
      .replace(/^DATABASE_URL=.*$/m, `DATABASE_URL=${db.url}`)
      .replace(/^RABBITMQ_URL=.*$/m, `RABBITMQ_URL=${vhost.url}`);
    writeFileSync(join(directory, '.env'), env);
    const firstPort = await freePortRange(PIPELINE_APPS.length);
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'scripts/start-all.js'), '--no-build', '--first-port', String(firstPort)],
      // Only what a shell has: the apps' settings come from .env alone.
      { cwd: directory, env: { PATH: testEnvironment.PATH, HOME: testEnvironment.HOME }, detached: true },
    );
    const localRun = new LocalRun(directory, firstPort, db, vhost, child);
    let exited = false;
    void localRun.exitCode.then(() => (exited = true));
    const ready = await waitFor(
      'the five apps to be ready',
      () => (exited ? -1 : localRun.readyApps()),
      (count) => count === PIPELINE_APPS.length || count < 0,
      60_000,
      250,
    ).catch(() => -1);
    if (ready < 0) {
      await localRun.close();
      throw new Error(`npm start did not bring the five apps up:\n${localRun.output.slice(-4_000)}`);
    }
    return localRun;
  }

  /** The `export ADMIN=… TOKEN=…` line start-all.js printed, or undefined. */
  get printedExport(): string | undefined {
    return /^export ADMIN=\S+ TOKEN=\S+$/m.exec(this.output)?.[0];
  }

  /** Runs a script in bash in the run's directory, with the local ports in place of 3000–3004. */
  async bash(script: string, env: Record<string, string> = {}): Promise<string> {
    const local = script.replace(/localhost:300([0-4])/g, (_match, index: string) => {
      return `localhost:${this.firstPort + Number(index)}`;
    });
    const { stdout } = await run('bash', ['-c', `set -euo pipefail\n${local}`], {
      cwd: this.directory,
      env: { PATH: testEnvironment.PATH, HOME: testEnvironment.HOME, ...env },
      timeout: 30_000,
    });
    return stdout;
  }

  /** Ctrl-C as in a terminal (SIGINT to start-all.js); resolves with its exit code. */
  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.exitCode,
        new Promise<never>((_, fail) => {
          timer = setTimeout(() => fail(new Error('npm start still running 30 s after Ctrl-C')), 30_000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills whatever is left of the run, drops its database and vhost and removes its directory. */
  async close(): Promise<void> {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.exitCode;
    await this.vhost.drop();
    await this.db.drop();
    rmSync(this.directory, { recursive: true, force: true });
  }

  private async readyApps(): Promise<number> {
    const answers = await Promise.all(
      PIPELINE_APPS.map((_app, index) =>
        fetch(`http://127.0.0.1:${this.firstPort + index}/health/ready`, { signal: AbortSignal.timeout(2_000) }).then(
          (response) => response.status === 200,
          () => false,
        ),
      ),
    );
    return answers.filter(Boolean).length;
  }
}
