import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Ingest requests by outcome in 10-second buckets, summed over every replica: the window counts of runbook §2 rows 6–7. */
@Entity('ingest_request_outcome')
export class IngestRequestOutcomeEntity {
  @PrimaryColumn({ name: 'bucket_start', type: 'timestamptz', primaryKeyConstraintName: 'pk_ingest_request_outcome' })
  bucketStart: Date;

  @PrimaryColumn({ type: 'varchar', length: 20, primaryKeyConstraintName: 'pk_ingest_request_outcome' })
  result: string;

  @Column({ name: 'request_count', type: 'bigint' })
  requestCount: string;

  /** Events the accepted requests added to the source outbox (duplicates not counted); 0 for refusals. */
  @Column({ name: 'event_count', type: 'bigint' })
  eventCount: string;
}
