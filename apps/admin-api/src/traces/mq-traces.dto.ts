import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { TraceStage } from '@app/entities';
import { LimitBounds, LimitParam } from '../http/limit-param';

export const TRACES_LIMIT: LimitBounds = { fallback: 50, max: 200 };

export class MqTracesQueryDto {
  @ApiPropertyOptional({
    maxLength: 100,
    description: 'The message id (= eventId); blank or missing: the newest traces of all messages',
  })
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value))
  @IsOptional()
  @IsString()
  @MaxLength(100)
  messageId?: string;

  @LimitParam(TRACES_LIMIT)
  limit?: number;
}

export class MqTraceDto {
  @ApiProperty()
  id: number;

  @ApiProperty({ description: 'The event id' })
  messageId: string;

  @ApiProperty({ example: 'domain.user.activity' })
  topic: string;

  @ApiProperty({ example: 'rabbitmq' })
  provider: string;

  @ApiProperty({ type: String, nullable: true, description: 'The routing key (eventName)' })
  messageKey: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'domain.user.activity.event-store' })
  consumerGroup: string | null;

  @ApiProperty({ enum: TraceStage })
  stage: TraceStage;

  @ApiProperty({ type: Number, nullable: true })
  processingMillis: number | null;

  @ApiProperty({ type: String, nullable: true })
  errorMessage: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;
}
