import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { DispatchOutboxStatus } from '@app/state-machines';

@Entity('user_activity_dispatch_outbox')
@Check('ck_user_activity_dispatch_outbox_status', `status IN ('PENDING', 'DISPATCHED', 'FAILED')`)
@Unique('uq_user_activity_dispatch_outbox_event_target', ['eventId', 'dispatchTarget'])
@Index('idx_user_activity_dispatch_outbox_undispatched', ['dispatchTarget', 'id'], {
  where: `status IN ('PENDING', 'FAILED')`,
})
@Index('idx_user_activity_dispatch_outbox_pending', ['dispatchTarget', 'id'], { where: `status = 'PENDING'` })
@Index('idx_user_activity_dispatch_outbox_failed_retry', ['dispatchTarget', 'nextRetryAt', 'id'], {
  where: `status = 'FAILED'`,
})
@Index('idx_user_activity_dispatch_outbox_failed_retry_count', ['dispatchTarget', 'retryCount'], {
  where: `status = 'FAILED'`,
})
@Index('idx_user_activity_dispatch_outbox_dispatched_at', ['dispatchedAt'], { where: `status = 'DISPATCHED'` })
export class DispatchOutboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'event_id', type: 'varchar', length: 64 })
  eventId: string;

  @Column({ name: 'dispatch_target', type: 'varchar', length: 30 })
  dispatchTarget: string;

  @Column({ type: 'jsonb' })
  payload: unknown;

  @Column({ type: 'varchar', length: 20, default: DispatchOutboxStatus.Pending })
  status: DispatchOutboxStatus;

  @Column({ name: 'retry_count', type: 'int', default: 0 })
  retryCount: number;

  @Column({ name: 'next_retry_at', type: 'timestamptz', nullable: true })
  nextRetryAt: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  @Column({ name: 'dispatched_at', type: 'timestamptz', nullable: true })
  dispatchedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  updatedAt: Date;
}
