import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Refused ingest requests per minute, reason, kind (`caller` or `event_name`) and key, as the replicas flush them. */
@Entity('ingest_rejection')
export class IngestRejectionEntity {
  @PrimaryColumn({ name: 'bucket_start', type: 'timestamptz', primaryKeyConstraintName: 'pk_ingest_rejection' })
  bucketStart: Date;

  @PrimaryColumn({ type: 'varchar', length: 20, primaryKeyConstraintName: 'pk_ingest_rejection' })
  reason: string;

  @PrimaryColumn({ type: 'varchar', length: 20, primaryKeyConstraintName: 'pk_ingest_rejection' })
  kind: string;

  @PrimaryColumn({
    name: 'rejected_key',
    type: 'varchar',
    length: 200,
    primaryKeyConstraintName: 'pk_ingest_rejection',
  })
  rejectedKey: string;

  @Column({ name: 'rejection_count', type: 'bigint' })
  rejectionCount: string;

  @Column({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt: Date;
}
