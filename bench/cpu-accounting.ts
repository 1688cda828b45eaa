import { readdirSync, readFileSync } from 'node:fs';
import { PipelineProcesses } from './bench-pipeline';

const PID_SEPARATOR = '#';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** CPU seconds used over a window, by whom. */
export interface CpuUse {
  wallSeconds: number;
  /**
   * Each app process, the PostgreSQL backends of the bench database, PostgreSQL's server processes (WAL writer,
   * checkpointer, background writer: they flush what those backends wrote), RabbitMQ (the whole broker) and the bench.
   */
  byProcess: Record<string, number>;
  /** CPU seconds the machine spent busy, all cores, everything on it. */
  machineBusy: number;
  /** What the machine could have given: wall seconds × cores. */
  machineCapacity: number;
  /** Busy time not counted in `byProcess`: other users of the machine, the kernel's own threads. */
  others: number;
}

interface Snapshot {
  at: number;
  byProcess: Record<string, number>;
  busy: number;
  total: number;
}

function processCpu(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

function machineCpu(): { busy: number; total: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / TICKS, total: (busy + idle + iowait) / TICKS };
}

/** The postmaster and its background processes, not the backends serving other databases. */
const POSTGRES_SERVER_PROCESS =
  /^postgres: [^:]+: (walwriter|checkpointer|background writer|autovacuum launcher)|^\/\S+\/postgres /;

function isPostgresServerProcess(pid: number): boolean {
  try {
    return POSTGRES_SERVER_PROCESS.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
  } catch {
    return false;
  }
}

function pidsNamed(command: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry)) {
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === command) {
          pids.push(Number(entry));
        }
      } catch {
        // the process ended meanwhile
      }
    }
  }
  return pids;
}

/** Who used the CPU between `start()` and `stop()`: per app, database backends, broker, bench, everyone else. */
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
    for (const [key, seconds] of Object.entries(last.byProcess)) {
      const group = key.split(PID_SEPARATOR)[0];
      byProcess[group] = (byProcess[group] ?? 0) + Math.max(0, seconds - (first.byProcess[key] ?? 0));
    }
    const machineBusy = last.busy - first.busy;
    const ours = Object.values(byProcess).reduce((sum, seconds) => sum + seconds, 0);
    return {
      wallSeconds: (last.at - first.at) / 1000,
      byProcess,
      machineBusy,
      machineCapacity: last.total - first.total,
      others: Math.max(0, machineBusy - ours),
    };
  }

  /** CPU seconds per `<group><separator><pid>`, so that a process that came or went is counted from its start. */
  private async snapshot(): Promise<Snapshot> {
    const byProcess: Record<string, number> = {};
    const add = (group: string, pid: number) => (byProcess[`${group}${PID_SEPARATOR}${pid}`] = processCpu(pid));
    for (const app of this.pipeline.replicas()) {
      if (app.pid !== undefined) {
        add(app.name, app.pid);
      }
    }
    const backends = await this.pipeline.db.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database()',
    );
    backends.forEach((row) => add('postgresql (bench database backends)', row.pid));
    pidsNamed('postgres')
      .filter(isPostgresServerProcess)
      .forEach((pid) => add('postgresql (server: WAL writer, checkpointer, background writer)', pid));
    pidsNamed('beam.smp').forEach((pid) => add('rabbitmq (whole broker)', pid));
    const bench = process.cpuUsage();
    byProcess[`bench (load generator, fake PostHog, probes)${PID_SEPARATOR}${process.pid}`] =
      (bench.user + bench.system) / 1e6;
    const machine = machineCpu();
    return { at: Date.now(), byProcess, busy: machine.busy, total: machine.total };
  }
}
