import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum TraceStage {
  Publish = 'PUBLISH',
  PublishFail = 'PUBLISH_FAIL',
  ConsumeSuccess = 'CONSUME_SUCCESS',
  ConsumeFail = 'CONSUME_FAIL',
  DeadLetter = 'DEAD_LETTER',
}

/** One MQ trace as written by the relay, the consumer and admin replay. */
export interface MqTrace {
  messageId: string;
  topic: string;
  provider: string;
  messageKey: string | null;
  consumerGroup: string | null;
  stage: TraceStage;
  processingMillis: number | null;
  errorMessage: string | null;
  /** When the stage happened by the database clock (text, microseconds kept); absent: when the row is written. */
  createdAt?: string;
}

@Entity('message_queue_trace_log')
@Check(
  'ck_message_queue_trace_log_stage',
  `stage IN ('PUBLISH', 'PUBLISH_FAIL', 'CONSUME_SUCCESS', 'CONSUME_FAIL', 'DEAD_LETTER')`,
)
@Index('idx_message_queue_trace_log_created', ['createdAt'])
@Index('idx_message_queue_trace_log_message', ['messageId', 'id'])
export class MessageQueueTraceEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'message_id', type: 'varchar', length: 100 })
  messageId: string;

  @Column({ type: 'varchar', length: 100 })
  topic: string;

  @Column({ type: 'varchar', length: 30 })
  provider: string;

  @Column({ name: 'message_key', type: 'varchar', length: 200, nullable: true })
  messageKey: string | null;

  @Column({ name: 'consumer_group', type: 'varchar', length: 100, nullable: true })
  consumerGroup: string | null;

  @Column({ type: 'varchar', length: 30 })
  stage: TraceStage;

  @Column({ name: 'processing_millis', type: 'bigint', nullable: true })
  processingMillis: string | null;

  @Column({ name: 'error_message', type: 'varchar', length: 1000, nullable: true })
  errorMessage: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: Date;
}
