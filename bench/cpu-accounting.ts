import { readdirSync, readFileSync } from 'node:fs';
import { PipelineProcesses } from './bench-pipeline';

const PID_SEPARATOR = '#';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** The kernel's thread launcher: every kernel thread is its child. */
const KTHREADD_PID = 2;

const BENCH_DATABASE_BACKENDS = 'postgresql (bench database backends)';
const POSTGRES_SERVER = 'postgresql (server: WAL writer, checkpointer, background writer)';
const POSTGRES_ENDED = 'postgresql (processes that ended in the window: autovacuum and parallel workers, connections)';

/** CPU seconds used over a window, by whom. */
export interface CpuUse {
  wallSeconds: number;
  /**
   * Each app process, the PostgreSQL backends of the bench database, PostgreSQL's server processes (WAL writer,
   * checkpointer, background writer: they flush what those backends wrote), the PostgreSQL processes that ended
   * inside the window (autovacuum and parallel workers, closed connections: counted through the postmaster, which
   * collects their CPU time when they end), RabbitMQ (the whole broker) and the bench.
   */
  byProcess: Record<string, number>;
  /**
   * The kernel's own work: interrupts (the loopback network traffic between the processes) and kernel threads (disk
   * writeback, memory management). Counted apart from `others`: most of it is done for the processes above.
   */
  kernel: number;
  /** CPU seconds the machine spent busy, all cores, everything on it. */
  machineBusy: number;
  /** What the machine could have given: wall seconds × cores. */
  machineCapacity: number;
  /** Busy time not counted in `byProcess` or `kernel`: other users of the machine. */
  others: number;
}

interface ProcessStat {
  pid: number;
  parent: number;
  command: string;
  /** CPU seconds of the process itself. */
  seconds: number;
  /** CPU seconds of its children that ended and were collected. */
  endedChildrenSeconds: number;
}

interface Snapshot {
  at: number;
  byProcess: Record<string, number>;
  /** The postmaster's pid and the CPU seconds of its ended children, for the PostgreSQL processes that came and went. */
  postmaster: { pid: number; endedChildrenSeconds: number } | null;
  kernelThreads: number;
  interrupts: number;
  busy: number;
  total: number;
}

function readStat(pid: number): ProcessStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(') ') + 2).split(' ');
    return {
      pid,
      parent: Number(fields[1]),
      command: text.slice(text.indexOf('(') + 1, text.lastIndexOf(') ')),
      seconds: (Number(fields[11]) + Number(fields[12])) / TICKS,
      endedChildrenSeconds: (Number(fields[13]) + Number(fields[14])) / TICKS,
    };
  } catch {
    return null;
  }
}

function allProcesses(): ProcessStat[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat): stat is ProcessStat => stat !== null);
}

function machineCpu(): { busy: number; total: number; interrupts: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / TICKS, total: (busy + idle + iowait) / TICKS, interrupts: (irq + softirq) / TICKS };
}

/**
 * Who used the CPU between `start()` and `stop()`: per app, PostgreSQL, broker, bench, the kernel, everyone else.
 * Two snapshots suffice: a process that starts inside the window is counted from its start, and a PostgreSQL process
 * that ends inside it through its parent, the postmaster.
 */
export class CpuAccounting {
  private first: Snapshot | null = null;

  constructor(private readonly pipeline: PipelineProcesses) {}

  async start(): Promise<void> {
    this.first = await this.snapshot();
  }

  async stop(): Promise<CpuUse> {
    const first = this.first!;
    const last = await this.snapshot();
    const byProcess: Record<string, number> = {};
    const add = (group: string, seconds: number) => (byProcess[group] = (byProcess[group] ?? 0) + seconds);
    for (const [key, seconds] of Object.entries(last.byProcess)) {
      add(key.split(PID_SEPARATOR)[0], Math.max(0, seconds - (first.byProcess[key] ?? 0)));
    }
    if (first.postmaster && last.postmaster?.pid === first.postmaster.pid) {
      // The postmaster's collected children include the time of those that had already run before the window.
      const before = Object.entries(first.byProcess)
        .filter(([key]) => isPostgresKey(key) && !(key in last.byProcess))
        .reduce((sum, [, seconds]) => sum + seconds, 0);
      const ended = last.postmaster.endedChildrenSeconds - first.postmaster.endedChildrenSeconds - before;
      add(POSTGRES_ENDED, Math.max(0, ended));
    }
    const machineBusy = last.busy - first.busy;
    const kernel = last.kernelThreads - first.kernelThreads + (last.interrupts - first.interrupts);
    const ours = Object.values(byProcess).reduce((sum, seconds) => sum + seconds, 0);
    return {
      wallSeconds: (last.at - first.at) / 1000,
      byProcess,
      kernel,
      machineBusy,
      machineCapacity: last.total - first.total,
      others: Math.max(0, machineBusy - ours - kernel),
    };
  }

  /** CPU seconds per `<group><separator><pid>`, so that a process that came or went is counted from its start. */
  private async snapshot(): Promise<Snapshot> {
    const byProcess: Record<string, number> = {};
    const add = (group: string, stat: ProcessStat) => (byProcess[`${group}${PID_SEPARATOR}${stat.pid}`] = stat.seconds);
    const processes = allProcesses();
    const byPid = new Map(processes.map((stat) => [stat.pid, stat]));
    for (const app of this.pipeline.replicas()) {
      const stat = app.pid === undefined ? undefined : byPid.get(app.pid);
      if (stat) {
        add(app.name, stat);
      }
    }
    const backends = await this.pipeline.db.query<{ pid: number; datname: string }>(
      'SELECT pid, datname FROM pg_stat_activity WHERE datname = current_database()',
    );
    const benchBackends = new Set(backends.map((row) => row.pid));
    const worksForBench = worksForBenchDatabase(backends[0]?.datname ?? '', benchBackends);
    const postmaster = processes.find(
      (stat) => stat.command === 'postgres' && byPid.get(stat.parent)?.command !== 'postgres',
    );
    let kernelThreads = 0;
    for (const stat of processes) {
      if (stat.pid === KTHREADD_PID || stat.parent === KTHREADD_PID) {
        kernelThreads += stat.seconds;
      } else if (stat === postmaster || (stat.parent === postmaster?.pid && isServerProcess(stat.pid))) {
        add(POSTGRES_SERVER, stat);
      } else if (stat.parent === postmaster?.pid && (benchBackends.has(stat.pid) || worksForBench(stat.pid))) {
        add(BENCH_DATABASE_BACKENDS, stat);
      } else if (stat.command === 'beam.smp') {
        add('rabbitmq (whole broker)', stat);
      }
    }
    const bench = process.cpuUsage();
    byProcess[`bench (load generator, fake PostHog, probes)${PID_SEPARATOR}${process.pid}`] =
      (bench.user + bench.system) / 1e6;
    const machine = machineCpu();
    return {
      at: Date.now(),
      byProcess,
      postmaster: postmaster ? { pid: postmaster.pid, endedChildrenSeconds: postmaster.endedChildrenSeconds } : null,
      kernelThreads,
      interrupts: machine.interrupts,
      busy: machine.busy,
      total: machine.total,
    };
  }
}

const isPostgresKey = (key: string) => key.startsWith('postgresql ');

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** PostgreSQL's background processes (their titles), not the backends serving one database or another. */
const SERVER_PROCESS =
  /^postgres: [^:]+: (walwriter|checkpointer|background writer|autovacuum launcher|logical replication launcher)/;

const isServerProcess = (pid: number) => SERVER_PROCESS.test(commandLine(pid));

/** Whether a PostgreSQL process works for the bench database: its autovacuum worker, or a bench backend's parallel worker. */
function worksForBenchDatabase(database: string, backends: Set<number>): (pid: number) => boolean {
  return (pid) => {
    const title = commandLine(pid);
    const parallel = /parallel worker for PID (\d+)/.exec(title);
    return parallel ? backends.has(Number(parallel[1])) : title.trimEnd().endsWith(`autovacuum worker ${database}`);
  };
}
