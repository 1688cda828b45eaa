import { ApiProperty } from '@nestjs/swagger';
import { LimitBounds, LimitParam } from '../http/limit-param';

export const DLQ_LIST_LIMIT: LimitBounds = { fallback: 50, max: 200 };
export const DLQ_REDRIVE_LIMIT: LimitBounds = { fallback: 100, max: 500 };

export class DeadLetterListQueryDto {
  @LimitParam(DLQ_LIST_LIMIT)
  limit?: number;
}

export class DeadLetterRedriveQueryDto {
  @LimitParam(DLQ_REDRIVE_LIMIT)
  limit?: number;
}

export class DeadLetterMessageDto {
  @ApiProperty({ type: String, nullable: true, description: 'The AMQP messageId (= eventId); null when none was set' })
  messageId: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'ui.page.viewed' })
  eventName: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'rejected',
    description:
      'Why RabbitMQ dead-lettered it the first time (x-death): `rejected` (the consumer refused it as poison), ' +
      '`delivery_limit` (returned more than x-delivery-limit times), `expired`, `maxlen`',
  })
  reason: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The consumer's reason, from the message's newest DEAD_LETTER trace; null when none is kept",
  })
  error: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'domain.user.activity.event-store' })
  queue: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'First death time (x-death)' })
  firstDeathAt: string | null;

  @ApiProperty({ description: 'How many times it was dead-lettered (x-death counts), re-drives included' })
  deathCount: number;
}

export class DeadLetterListDto {
  @ApiProperty({ description: 'The limit applied, after clamping to [1, 200]' })
  limit: number;

  @ApiProperty({ description: 'Messages ready in the dead-letter queue when the listing started' })
  depth: number;

  @ApiProperty({ type: [DeadLetterMessageDto], description: 'The oldest `limit` of them, oldest first; all stay' })
  messages: DeadLetterMessageDto[];
}

export class DeadLetterRedriveResultDto {
  @ApiProperty({ description: 'The limit applied, after clamping to [1, 500]' })
  limit: number;

  @ApiProperty({ description: 'Messages ready in the dead-letter queue when the re-drive started' })
  depth: number;

  @ApiProperty({ description: 'Messages moved back to the event-store queue (confirmed) and taken off the DLQ' })
  movedCount: number;

  @ApiProperty({ description: '1 when a move failed: that message stays in the DLQ and the re-drive stopped' })
  failedCount: number;

  @ApiProperty({ type: String, nullable: true, description: 'Why the move failed' })
  error: string | null;

  @ApiProperty({ type: String, isArray: true, nullable: true, description: 'The messageIds moved, in order' })
  movedMessageIds: (string | null)[];
}
