import { ApiProperty } from '@nestjs/swagger';
import { LimitBounds, LimitParam } from '../http/limit-param';

export const REPLAY_LIMIT: LimitBounds = { fallback: 100, max: 500 };

export class OutboxReplayQueryDto {
  @LimitParam(REPLAY_LIMIT)
  limit?: number;
}

export class OutboxSummaryDto {
  @ApiProperty({ description: 'Rows waiting for their first publish' })
  pendingCount: number;

  @ApiProperty({ description: 'Rows whose last publish failed (parked included)' })
  failedCount: number;

  @ApiProperty({
    description:
      "Rows published and not yet removed by retention (OUTBOX_RETENTION), estimated: the table statistics' live " +
      'rows minus the PENDING and FAILED rows (counting millions of rows exactly would cost as much as the table)',
  })
  publishedCount: number;

  @ApiProperty({ description: 'The highest retry_count of a row still PENDING or FAILED' })
  maxRetryCount: number;

  @ApiProperty({ description: 'FAILED rows the relay no longer retries (RELAY_MAX_RETRIES reached): replay them' })
  parkedCount: number;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'created_at of the oldest PENDING row',
  })
  oldestPendingAt: string | null;
}

export class OutboxReplayResultDto {
  @ApiProperty({ description: 'The limit applied, after clamping to [1, 500]' })
  limit: number;

  @ApiProperty({ description: 'Rows claimed and re-published' })
  processedCount: number;

  @ApiProperty({ description: 'Rows confirmed by the broker: now PUBLISHED' })
  successCount: number;

  @ApiProperty({ description: 'Rows whose publish failed again: still FAILED, retry_count + 1, retried by the relay' })
  failedCount: number;
}
