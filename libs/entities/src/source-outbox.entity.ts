import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { SourceOutboxStatus } from '@app/state-machines';

@Entity('user_activity_source_outbox')
@Check('ck_user_activity_source_outbox_status', `status IN ('PENDING', 'PUBLISHED', 'FAILED')`)
@Unique('uq_user_activity_source_outbox_event_id', ['eventId'])
@Index('idx_user_activity_source_outbox_unpublished', ['id'], { where: `status IN ('PENDING', 'FAILED')` })
@Index('idx_user_activity_source_outbox_pending', ['id'], { where: `status = 'PENDING'` })
@Index('idx_user_activity_source_outbox_failed_retry', ['nextRetryAt', 'id'], { where: `status = 'FAILED'` })
@Index('idx_user_activity_source_outbox_failed_retry_count', ['retryCount'], { where: `status = 'FAILED'` })
@Index('idx_user_activity_source_outbox_published_at', ['publishedAt'], { where: `status = 'PUBLISHED'` })
export class SourceOutboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'event_id', type: 'varchar', length: 64 })
  eventId: string;

  @Column({ name: 'event_name', type: 'varchar', length: 100 })
  eventName: string;

  @Column({ name: 'event_version', type: 'varchar', length: 20 })
  eventVersion: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ name: 'member_id', type: 'bigint', nullable: true })
  memberId: string | null;

  @Column({ type: 'jsonb' })
  payload: unknown;

  @Column({ type: 'varchar', length: 20, default: SourceOutboxStatus.Pending })
  status: SourceOutboxStatus;

  @Column({ name: 'retry_count', type: 'int', default: 0 })
  retryCount: number;

  @Column({ name: 'next_retry_at', type: 'timestamptz', nullable: true })
  nextRetryAt: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  updatedAt: Date;
}
