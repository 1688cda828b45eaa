import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

export enum EventSource {
  Client = 'CLIENT',
  Server = 'SERVER',
}

@Entity('user_activity_event')
@Unique('uq_user_activity_event_event_id', ['eventId'])
@Index('idx_user_activity_event_member_occurred', ['memberId', 'occurredAt'])
@Index('idx_user_activity_event_name_occurred', ['eventName', 'occurredAt'])
@Index('idx_user_activity_event_occurred', ['occurredAt'])
export class UserActivityEventEntity {
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

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ name: 'member_id', type: 'bigint', nullable: true })
  memberId: string | null;

  @Column({ name: 'anonymous_id', type: 'varchar', length: 100, nullable: true })
  anonymousId: string | null;

  @Column({ name: 'session_id', type: 'varchar', length: 100, nullable: true })
  sessionId: string | null;

  @Column({ type: 'varchar', length: 20 })
  source: EventSource;

  @Column({ type: 'varchar', length: 30, nullable: true })
  platform: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  properties: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: Date;
}
