import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { IngestRejectionReason } from '@app/entities';
import { LimitBounds, LimitParam } from '../http/limit-param';
import { IsSince } from './policy-input.validators';

export const REJECTIONS_LIMIT: LimitBounds = { fallback: 20, max: 100 };
export const DEFAULT_SINCE = 'PT1H';
const REASONS = Object.values(IngestRejectionReason);

export class IngestRejectionsQueryDto {
  @ApiPropertyOptional({ enum: REASONS, description: 'Only this reason; every reason when left out' })
  @IsOptional()
  @IsIn(REASONS, { message: `$property must be one of ${REASONS.join(', ')}` })
  reason?: IngestRejectionReason;

  @ApiPropertyOptional({
    default: DEFAULT_SINCE,
    example: 'PT15M',
    description: 'An ISO-8601 duration to look back, or an ISO-8601 instant; counted by whole minutes',
  })
  @IsOptional()
  @IsString()
  @IsSince()
  since?: string;

  @LimitParam(REJECTIONS_LIMIT)
  limit?: number;
}

export class RejectedCallerDto {
  @ApiProperty({ enum: REASONS })
  reason: IngestRejectionReason;

  @ApiProperty({
    example: 'member:42',
    description:
      '`member:<id>` or `anonymous:<anonymousId>` (the caller limit, a refused name), `ip:<address>` (the network ' +
      'limit; invalid requests, whose body is not trusted), `(other)` for keys past what a replica holds',
  })
  caller: string;

  @ApiProperty({ enum: ['member', 'anonymous', 'ip', 'other'] })
  callerType: string;

  @ApiProperty({ example: '42', description: 'The member id, anonymous id or client address' })
  callerId: string;

  @ApiProperty({ description: 'Requests refused' })
  count: number;

  @ApiProperty({ format: 'date-time' })
  firstSeenAt: string;

  @ApiProperty({ format: 'date-time' })
  lastSeenAt: string;
}

export class RejectedEventNameDto {
  @ApiProperty({ enum: REASONS })
  reason: IngestRejectionReason;

  @ApiProperty({ example: 'ui.checkout.completed' })
  eventName: string;

  @ApiProperty({ description: 'Requests refused that carried this name' })
  count: number;

  @ApiProperty({ format: 'date-time' })
  firstSeenAt: string;

  @ApiProperty({ format: 'date-time' })
  lastSeenAt: string;
}

export class IngestRejectionsDto {
  @ApiProperty({ enum: REASONS, nullable: true })
  reason: IngestRejectionReason | null;

  @ApiProperty({ format: 'date-time' })
  since: string;

  @ApiProperty({ description: 'The number of rows asked for in each list, after clamping to [1, 100]' })
  limit: number;

  @ApiProperty({ type: [RejectedCallerDto], description: 'The callers refused most, most first' })
  callers: RejectedCallerDto[];

  @ApiProperty({ type: [RejectedEventNameDto], description: 'The event names refused most, most first' })
  eventNames: RejectedEventNameDto[];
}
