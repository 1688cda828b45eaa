import { BareFigure } from './bare-pipeline';
import { BenchSettings } from './bench-settings';
import { IngestFigure } from './ingest.bench';
import { LatencyFigure } from './latency.bench';
import { MachineInfo } from './machine-info';
import { ProfileSummary } from './profile-summary';
import { RawLimits } from './raw-limits.bench';
import { SteadyFigure } from './steady.bench';
import { SearchResult } from './sustained-search';

/** Everything one run measured; written as bench/results/latest.json and rendered into docs/benchmarks.md. */
export interface BenchResults {
  mode: 'full' | 'quick';
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: MachineInfo | null;
  loadAtEnd: number[];
  settings: BenchSettings;
  /** Process settings the apps ran with, as deployed (NODE_ENV, NODE_OPTIONS). */
  appProcessEnv: Record<string, string>;
  rawLimits: Partial<RawLimits>;
  ingest: IngestFigure[];
  /** The bare single-process pipeline (pg and amqplib only), the reference of the sustained rate. */
  bare: BareFigure | null;
  /** One latency run per answer delay of the fake PostHog. */
  latency: LatencyFigure[];
  sustained: SearchResult | null;
  /** The latency run with an outage's FAILED rows waiting in both outboxes beside sent rows. */
  backlog: BacklogFigure | null;
  /** A constant rate for minutes with retention trimming the outboxes and the trace log. */
  steady: SteadyFigure | null;
  growth: { seededRows: number; seedSeconds: number; search: SearchResult } | null;
  /** Peak RSS (VmHWM) of each app over the whole run, bytes. */
  peakRssBytes: Record<string, number>;
  profiles: ProfileSummary[];
  /** Phases that failed, and apps that died during the run. */
  errors: string[];
}

export interface BacklogFigure {
  /** Sent rows in the event table and in each outbox (PUBLISHED, DISPATCHED). */
  historyRows: number;
  /** FAILED rows not due before the run ends, in each outbox. */
  failedRows: number;
  seedSeconds: number;
  latency: LatencyFigure;
}
