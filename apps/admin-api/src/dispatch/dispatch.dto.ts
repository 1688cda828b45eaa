import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { DispatchTargetName } from '@app/entities';
import { CircuitState } from '@app/state-machines';
import { LimitBounds, LimitParam } from '../http/limit-param';

export const DISPATCH_REPLAY_LIMIT: LimitBounds = { fallback: 100, max: 500 };

const TARGETS = Object.values(DispatchTargetName);

export class DispatchReplayQueryDto {
  @ApiProperty({ enum: DispatchTargetName, description: 'The dispatch_target whose FAILED rows are re-queued' })
  @IsIn(TARGETS, { message: `$property must be one of ${TARGETS.join(', ')}` })
  target: DispatchTargetName;

  @LimitParam(DISPATCH_REPLAY_LIMIT)
  limit?: number;
}

/** The breaker "state" of a target no dispatcher runs: PostHog disabled or without a key, or an unknown target. */
export const DISABLED_TARGET_STATE = 'DISABLED';

export class CircuitDto {
  @ApiProperty({
    enum: [...Object.values(CircuitState), DISABLED_TARGET_STATE],
    description:
      'The breaker of an enabled target: CLOSED when no dispatcher has recorded a transition yet. DISABLED when the ' +
      'target is not enabled (no dispatcher sends to it, so it has no breaker; its rows wait)',
  })
  state: CircuitState | typeof DISABLED_TARGET_STATE;

  @ApiProperty()
  consecutiveFailures: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  openedAt: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'While OPEN: when the breaker lets a probe through (openedAt + DISPATCH_CIRCUIT_OPEN_DURATION)',
  })
  halfOpenAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The last recorded transition' })
  updatedAt: string | null;
}

export class DispatchTargetSummaryDto {
  @ApiProperty({ example: DispatchTargetName.Posthog })
  target: string;

  @ApiProperty({
    description:
      'Whether dispatchers send to this target: for POSTHOG, ANALYTICS_POSTHOG_ENABLED=true and a non-blank ' +
      "ANALYTICS_POSTHOG_API_KEY in admin-api's configuration (the dispatcher's rule); false for any other target",
  })
  enabled: boolean;

  @ApiProperty()
  pendingCount: number;

  @ApiProperty({
    description:
      "Until retention (OUTBOX_RETENTION) removes them; estimated from the table statistics' live rows minus the " +
      'PENDING and FAILED rows, and reported on POSTHOG, the one target this version sends to (0 on others)',
  })
  dispatchedCount: number;

  @ApiProperty({ description: 'Parked included' })
  failedCount: number;

  @ApiProperty({ description: 'FAILED rows with no next_retry_at (rejected by the target): replay them' })
  parkedCount: number;

  @ApiProperty({ description: 'The highest retry_count of a row of the target still PENDING or FAILED' })
  maxRetryCount: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  oldestPendingAt: string | null;

  @ApiProperty({ type: CircuitDto })
  circuit: CircuitDto;
}

export class DispatchSummaryDto {
  @ApiProperty({
    type: [DispatchTargetSummaryDto],
    description: 'Every known target, and any other found in the table',
  })
  targets: DispatchTargetSummaryDto[];
}

export class DispatchReplayResultDto {
  @ApiProperty({ enum: DispatchTargetName })
  target: string;

  @ApiProperty({ description: 'The limit applied, after clamping to [1, 500]' })
  limit: number;

  @ApiProperty({ description: 'FAILED rows made due now; the dispatcher sends them on its next turn' })
  requeuedCount: number;

  @ApiProperty({ description: 'How many of them had been parked' })
  parkedCount: number;
}
