import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The live ingest policy (one row, changed by admin-api, applied by every ingest-api replica on NOTIFY) and the
 * refused requests the replicas flush every few seconds: one row per minute, reason, kind and key, read by a range of
 * the primary key and pruned by age.
 */
export class LiveIngestPolicy1764400000000 implements MigrationInterface {
  name = 'LiveIngestPolicy1764400000000';

  // Inside the class, so that the statements are part of its source (the test template's fingerprint).
  private static readonly UP = [
    `CREATE TABLE ingest_policy (
       id SMALLINT NOT NULL,
       allowlist TEXT[] NOT NULL,
       rate_limit_max_requests BIGINT NOT NULL,
       rate_limit_window_ms BIGINT NOT NULL,
       ip_rate_limit_max_requests BIGINT NOT NULL,
       ip_rate_limit_window_ms BIGINT NOT NULL,
       override JSONB NULL,
       override_until TIMESTAMPTZ NULL,
       version BIGINT NOT NULL DEFAULT 1,
       updated_by VARCHAR(100) NOT NULL,
       updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
       CONSTRAINT pk_ingest_policy PRIMARY KEY (id)
     )`,
    `CREATE TABLE ingest_rejection (
       bucket_start TIMESTAMPTZ NOT NULL,
       reason VARCHAR(20) NOT NULL,
       kind VARCHAR(20) NOT NULL,
       rejected_key VARCHAR(200) NOT NULL,
       rejection_count BIGINT NOT NULL,
       first_seen_at TIMESTAMPTZ NOT NULL,
       last_seen_at TIMESTAMPTZ NOT NULL,
       CONSTRAINT pk_ingest_rejection PRIMARY KEY (bucket_start, reason, kind, rejected_key)
     )`,
  ];

  private static readonly DOWN = [`DROP TABLE ingest_rejection`, `DROP TABLE ingest_policy`];

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of LiveIngestPolicy1764400000000.UP) {
      await runner.query(statement);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of LiveIngestPolicy1764400000000.DOWN) {
      await runner.query(statement);
    }
  }
}
