import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every claim, gauge and retention batch reads a range of a small index. The outboxes keep days of PUBLISHED and
 * DISPATCHED rows beside the few waiting ones, and after an outage many FAILED rows wait out their backoff: the claims
 * read the PENDING range and the due part of the FAILED range (by next_retry_at), the gauges count those partial
 * indexes, the summaries' highest retry count is the end of the FAILED rows by retry_count (PENDING rows are never
 * retried), and retention walks the sent rows by the time they were sent. The full status indexes they replace were
 * updated by every write and ordered the waiting rows in a way no statement could use as a range.
 */
export class BacklogAndRetentionIndexes1764300000000 implements MigrationInterface {
  name = 'BacklogAndRetentionIndexes1764300000000';

  // Inside the class, so that the statements are part of its source (the test template's fingerprint).
  private static readonly UP = [
    `DROP INDEX idx_user_activity_source_outbox_status_retry`,
    `CREATE INDEX idx_user_activity_source_outbox_pending ON user_activity_source_outbox (id) WHERE status = 'PENDING'`,
    `CREATE INDEX idx_user_activity_source_outbox_failed_retry ON user_activity_source_outbox (next_retry_at, id) WHERE status = 'FAILED'`,
    `CREATE INDEX idx_user_activity_source_outbox_failed_retry_count ON user_activity_source_outbox (retry_count) WHERE status = 'FAILED'`,
    `CREATE INDEX idx_user_activity_source_outbox_published_at ON user_activity_source_outbox (published_at) WHERE status = 'PUBLISHED'`,
    `DROP INDEX idx_user_activity_dispatch_outbox_target_status`,
    `CREATE INDEX idx_user_activity_dispatch_outbox_pending ON user_activity_dispatch_outbox (dispatch_target, id) WHERE status = 'PENDING'`,
    `CREATE INDEX idx_user_activity_dispatch_outbox_failed_retry ON user_activity_dispatch_outbox (dispatch_target, next_retry_at, id) WHERE status = 'FAILED'`,
    `CREATE INDEX idx_user_activity_dispatch_outbox_failed_retry_count ON user_activity_dispatch_outbox (dispatch_target, retry_count) WHERE status = 'FAILED'`,
    `CREATE INDEX idx_user_activity_dispatch_outbox_dispatched_at ON user_activity_dispatch_outbox (dispatched_at) WHERE status = 'DISPATCHED'`,
  ];

  private static readonly DOWN = [
    `DROP INDEX idx_user_activity_dispatch_outbox_dispatched_at`,
    `DROP INDEX idx_user_activity_dispatch_outbox_failed_retry_count`,
    `DROP INDEX idx_user_activity_dispatch_outbox_failed_retry`,
    `DROP INDEX idx_user_activity_dispatch_outbox_pending`,
    `CREATE INDEX idx_user_activity_dispatch_outbox_target_status ON user_activity_dispatch_outbox (dispatch_target, status, next_retry_at, id)`,
    `DROP INDEX idx_user_activity_source_outbox_published_at`,
    `DROP INDEX idx_user_activity_source_outbox_failed_retry_count`,
    `DROP INDEX idx_user_activity_source_outbox_failed_retry`,
    `DROP INDEX idx_user_activity_source_outbox_pending`,
    `CREATE INDEX idx_user_activity_source_outbox_status_retry ON user_activity_source_outbox (status, next_retry_at, id)`,
  ];

  async up(runner: QueryRunner): Promise<void> {
    for (const statement of BacklogAndRetentionIndexes1764300000000.UP) {
      await runner.query(statement);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const statement of BacklogAndRetentionIndexes1764300000000.DOWN) {
      await runner.query(statement);
    }
  }
}
