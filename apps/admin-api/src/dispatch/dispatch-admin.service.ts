import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, posthogDispatchEnabled } from '@app/config';
import {
  AdminAuditAction,
  AdminAuditRepository,
  DispatchCircuitRepository,
  DispatchOutboxRepository,
  DispatchTargetCounts,
  DispatchTargetName,
  StoredCircuit,
} from '@app/entities';
import { CircuitState, DispatchOutboxStatus, transitionDispatchOutbox } from '@app/state-machines';
import { AdminConfig } from '../admin-api.config';
import { clampLimit } from '../http/limit-param';
import {
  CircuitDto,
  DISABLED_TARGET_STATE,
  DISPATCH_REPLAY_LIMIT,
  DispatchReplayResultDto,
  DispatchSummaryDto,
  DispatchTargetSummaryDto,
} from './dispatch.dto';

const NO_ROWS: Omit<DispatchTargetCounts, 'target'> = {
  pendingCount: 0,
  dispatchedCount: 0,
  failedCount: 0,
  parkedCount: 0,
  maxRetryCount: 0,
  oldestPendingAt: null,
};

/** No dispatcher sends to a disabled target, so it has no breaker; a recorded state would be stale. */
const DISABLED_CIRCUIT: CircuitDto = {
  state: DISABLED_TARGET_STATE,
  consecutiveFailures: 0,
  openedAt: null,
  halfOpenAt: null,
  updatedAt: null,
};

/** Dispatch outbox state per target with its breaker, and re-queueing of FAILED rows. */
@Injectable()
export class DispatchAdminService {
  private readonly logger = new Logger(DispatchAdminService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AdminConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatch: DispatchOutboxRepository,
    private readonly circuits: DispatchCircuitRepository,
    private readonly audit: AdminAuditRepository,
  ) {}

  async summary(): Promise<DispatchSummaryDto> {
    const circuits = await this.circuits.findAll();
    const counts = await this.dispatch.countsByTarget([
      ...Object.values(DispatchTargetName),
      ...circuits.map((circuit) => circuit.target),
    ]);
    const names = new Set<string>(counts.map((row) => row.target));
    const enabled = this.enabledTargets();
    const targets = [...names].sort().map((target): DispatchTargetSummaryDto => ({
      ...NO_ROWS,
      ...counts.find((row) => row.target === target),
      target,
      enabled: enabled.has(target),
      circuit: enabled.has(target)
        ? this.circuitView(circuits.find((circuit) => circuit.target === target))
        : DISABLED_CIRCUIT,
    }));
    return { targets };
  }

  /** The targets a dispatcher with this configuration runs a loop (and a breaker) for. */
  private enabledTargets(): Set<string> {
    return new Set(posthogDispatchEnabled(this.config) ? [DispatchTargetName.Posthog] : []);
  }

  /**
   * Makes FAILED rows of one target (parked included) due now, oldest first, skipping rows a dispatcher holds. They
   * stay FAILED (FAILED -> FAILED) until the dispatcher sends them; the change and its audit row commit together.
   */
  async replay(
    tokenName: string,
    target: DispatchTargetName,
    requestedLimit: number | undefined,
  ): Promise<DispatchReplayResultDto> {
    const limit = clampLimit(requestedLimit, DISPATCH_REPLAY_LIMIT);
    const result = await this.dataSource.transaction(async (tx) => {
      const rows = await this.dispatch.claimFailed(tx, target, limit);
      for (const row of rows) {
        transitionDispatchOutbox(row.status, DispatchOutboxStatus.Failed);
      }
      await this.dispatch.requeue(
        tx,
        rows.map((row) => row.id),
      );
      const counts = { requeuedCount: rows.length, parkedCount: rows.filter((row) => row.parked).length };
      await this.audit.record(tx, {
        tokenName,
        action: AdminAuditAction.DispatchOutboxReplay,
        parameters: { target, limit, requestedLimit: requestedLimit ?? null },
        result: counts,
      });
      return counts;
    });
    this.logger.log({ msg: 'dispatch outbox replay finished', tokenName, target, limit, ...result });
    return { target, limit, ...result };
  }

  private circuitView(circuit: StoredCircuit | undefined): CircuitDto {
    if (circuit === undefined) {
      return { state: CircuitState.Closed, consecutiveFailures: 0, openedAt: null, halfOpenAt: null, updatedAt: null };
    }
    const { openedAt } = circuit;
    const halfOpenAt =
      circuit.state === CircuitState.Open && openedAt !== null
        ? new Date(openedAt + this.config.DISPATCH_CIRCUIT_OPEN_DURATION).toISOString()
        : null;
    return {
      state: circuit.state,
      consecutiveFailures: circuit.consecutiveFailures,
      openedAt: openedAt === null ? null : new Date(openedAt).toISOString(),
      halfOpenAt,
      updatedAt: circuit.updatedAt,
    };
  }
}
