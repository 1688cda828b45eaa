import { MigrationInterface, QueryRunner } from 'typeorm';

/** The timestamp columns that default to the time of the insert. */
const STAMP_COLUMNS: [table: string, column: string][] = [
  ['user_activity_event', 'created_at'],
  ['user_activity_source_outbox', 'created_at'],
  ['user_activity_source_outbox', 'updated_at'],
  ['user_activity_dispatch_outbox', 'created_at'],
  ['user_activity_dispatch_outbox', 'updated_at'],
  ['message_queue_trace_log', 'created_at'],
  ['admin_audit_log', 'created_at'],
  ['user_activity_dispatch_circuit', 'updated_at'],
];

/**
 * now() is the start of the transaction: a row inserted late in a long transaction (the relay's, the consumer's)
 * would carry a time before rows that other transactions committed meanwhile. clock_timestamp() is the time of the
 * insert itself.
 */
export class ClockTimestampDefaults1764200000000 implements MigrationInterface {
  name = 'ClockTimestampDefaults1764200000000';

  async up(runner: QueryRunner): Promise<void> {
    for (const [table, column] of STAMP_COLUMNS) {
      await runner.query(`ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT clock_timestamp()`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const [table, column] of STAMP_COLUMNS) {
      await runner.query(`ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT now()`);
    }
  }
}
