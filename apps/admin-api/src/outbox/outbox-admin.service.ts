import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@app/config';
import { AdminAuditAction, AdminAuditRepository, SourceOutboxRepository } from '@app/entities';
import { ApiError } from '@app/http';
import { PublishTally, RabbitConnection, RetryPolicy, SourceOutboxPublisher } from '@app/messaging';
import { LogSignals, signalLog } from '@app/observability';
import { AdminConfig } from '../admin-api.config';
import { clampLimit } from '../http/limit-param';
import { OutboxReplayResultDto, OutboxSummaryDto, REPLAY_LIMIT } from './outbox.dto';

/**
 * A replayed row that fails again is scheduled like a relay failure with v1's defaults (10 s doubling to 640 s) and
 * never parked here: the relay retries it, and parks it if its own RELAY_MAX_RETRIES says so.
 */
export const REPLAY_RETRY_POLICY: RetryPolicy = { baseDelayMs: 10_000, maxDelayMs: 640_000, maxRetries: 0 };

const NOTHING_CLAIMED: PublishTally = { processedCount: 0, successCount: 0, failedCount: 0 };

/** Runbook §5-1 and §5-2: the source outbox summary and the operator's replay. */
@Injectable()
export class OutboxAdminService {
  private readonly logger = new Logger(OutboxAdminService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AdminConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: SourceOutboxRepository,
    private readonly publisher: SourceOutboxPublisher,
    private readonly connection: RabbitConnection,
    private readonly audit: AdminAuditRepository,
  ) {}

  async summary(): Promise<OutboxSummaryDto> {
    return this.outbox.summary();
  }

  /**
   * Claims FAILED rows (parked included) and PENDING rows older than REPLAY_PENDING_MIN_AGE with SKIP LOCKED, oldest
   * first, and publishes them with the relay's own code: same event ids, same state machine, same traces. The
   * outcome and the audit row commit together.
   */
  async replay(tokenName: string, requestedLimit: number | undefined): Promise<OutboxReplayResultDto> {
    const limit = clampLimit(requestedLimit, REPLAY_LIMIT);
    if (!this.connection.enabled) {
      this.logger.warn(
        signalLog(LogSignals.mqProviderNone, { action: AdminAuditAction.SourceOutboxReplay, tokenName }),
      );
      throw new ApiError(503, 'ADMIN_REPLAY_UNAVAILABLE', '메시지큐 provider가 none이라 replay를 실행할 수 없습니다.');
    }
    const tally = await this.dataSource.transaction(async (tx) => {
      const rows = await this.outbox.claimForReplay(tx, limit, this.config.REPLAY_PENDING_MIN_AGE);
      const result =
        rows.length === 0 ? NOTHING_CLAIMED : await this.publisher.publishClaimed(tx, rows, REPLAY_RETRY_POLICY);
      await this.audit.record(tx, {
        tokenName,
        action: AdminAuditAction.SourceOutboxReplay,
        parameters: {
          limit,
          requestedLimit: requestedLimit ?? null,
          pendingMinAgeMs: this.config.REPLAY_PENDING_MIN_AGE,
        },
        result: { ...result },
      });
      return result;
    });
    this.logger.log({ msg: 'source outbox replay finished', tokenName, limit, ...tally });
    return { limit, ...tally };
  }
}
