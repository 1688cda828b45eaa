import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('ingest_rate_limit_window')
export class IngestRateLimitWindowEntity {
  @PrimaryColumn({
    name: 'rate_key',
    type: 'varchar',
    length: 200,
    primaryKeyConstraintName: 'pk_ingest_rate_limit_window',
  })
  rateKey: string;

  @PrimaryColumn({ name: 'window_start', type: 'timestamptz', primaryKeyConstraintName: 'pk_ingest_rate_limit_window' })
  windowStart: Date;

  @Column({ name: 'request_count', type: 'int' })
  requestCount: number;
}
