import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The live ingest policy (DESIGN §3): one row, id 1, seeded from ingest-api's environment on its first start. */
@Entity('ingest_policy')
export class IngestPolicyEntity {
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'pk_ingest_policy' })
  id: number;

  @Column({ type: 'text', array: true })
  allowlist: string[];

  @Column({ name: 'rate_limit_max_requests', type: 'bigint' })
  rateLimitMaxRequests: string;

  @Column({ name: 'rate_limit_window_ms', type: 'bigint' })
  rateLimitWindowMs: string;

  @Column({ name: 'ip_rate_limit_max_requests', type: 'bigint' })
  ipRateLimitMaxRequests: string;

  @Column({ name: 'ip_rate_limit_window_ms', type: 'bigint' })
  ipRateLimitWindowMs: string;

  /** `{rateLimit?, ipRateLimit?}` applied instead of the base values until `override_until`. */
  @Column({ type: 'jsonb', nullable: true })
  override: Record<string, unknown> | null;

  @Column({ name: 'override_until', type: 'timestamptz', nullable: true })
  overrideUntil: Date | null;

  @Column({ type: 'bigint', default: 1 })
  version: string;

  @Column({ name: 'updated_by', type: 'varchar', length: 100 })
  updatedBy: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  updatedAt: Date;
}
