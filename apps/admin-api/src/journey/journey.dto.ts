import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { EventSource } from '@app/entities';
import { DispatchOutboxStatus, SourceOutboxStatus } from '@app/state-machines';
import { MqTraceDto } from '../traces/mq-traces.dto';
import { JourneyComponent } from './journey-timeline';

export const JOURNEY_MAX_TRACES = 500;

export class JourneyParamsDto {
  @ApiProperty({ maxLength: 64 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  eventId: string;
}

export class JourneyOutboxDto {
  @ApiProperty()
  id: number;

  @ApiProperty()
  eventName: string;

  @ApiProperty({ enum: SourceOutboxStatus })
  status: SourceOutboxStatus;

  @ApiProperty()
  retryCount: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  nextRetryAt: string | null;

  @ApiProperty({ type: String, nullable: true })
  lastError: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  publishedAt: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The canonical event' })
  payload: unknown;
}

export class JourneyStoredDto {
  @ApiProperty()
  id: number;

  @ApiProperty()
  eventName: string;

  @ApiProperty()
  eventVersion: string;

  @ApiProperty({ format: 'date-time' })
  occurredAt: string;

  @ApiProperty({ format: 'date-time' })
  receivedAt: string;

  @ApiProperty({ type: Number, nullable: true })
  memberId: number | null;

  @ApiProperty({ type: String, nullable: true })
  anonymousId: string | null;

  @ApiProperty({ enum: EventSource })
  source: EventSource;

  @ApiProperty({ type: 'object', additionalProperties: true })
  properties: Record<string, unknown>;

  @ApiProperty({ format: 'date-time', description: 'When the event store inserted it' })
  storedAt: string;
}

export class JourneyDispatchDto {
  @ApiProperty()
  id: number;

  @ApiProperty({ example: 'POSTHOG' })
  target: string;

  @ApiProperty({ enum: DispatchOutboxStatus })
  status: DispatchOutboxStatus;

  @ApiProperty()
  retryCount: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  nextRetryAt: string | null;

  @ApiProperty({ type: String, nullable: true })
  lastError: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  dispatchedAt: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class JourneyStepDto {
  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ enum: JourneyComponent })
  component: JourneyComponent;

  @ApiProperty({ example: 'PUBLISHED', description: 'ENQUEUED, PUBLISHED, FAILED, a trace stage, STORED, DISPATCHED' })
  step: string;

  @ApiProperty({ type: String, nullable: true })
  target: string | null;

  @ApiProperty({ type: String, nullable: true })
  detail: string | null;
}

export class EventJourneyDto {
  @ApiProperty()
  eventId: string;

  @ApiProperty({
    type: JourneyOutboxDto,
    nullable: true,
    description: 'null when the row never existed or retention removed it',
  })
  outbox: JourneyOutboxDto | null;

  @ApiProperty({ type: [MqTraceDto], description: 'Oldest first' })
  traces: MqTraceDto[];

  @ApiProperty({
    description: `true when there were more than ${JOURNEY_MAX_TRACES} traces and only the newest are listed`,
  })
  tracesTruncated: boolean;

  @ApiProperty({ type: JourneyStoredDto, nullable: true })
  stored: JourneyStoredDto | null;

  @ApiProperty({ type: [JourneyDispatchDto] })
  dispatches: JourneyDispatchDto[];

  @ApiProperty({ type: [JourneyStepDto], description: 'All of the above as steps in time order' })
  timeline: JourneyStepDto[];
}
