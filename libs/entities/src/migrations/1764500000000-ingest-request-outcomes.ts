import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ingest outcomes by 10-second bucket, flushed by each ingest-api replica from memory (one upsert per flush, never
 * per request): admin-api's diagnosis reads 429 and not-allowed surges for a window from here, where metrics, which
 * live in each replica, cannot be summed. The primary key leads with the bucket, so a window is one index range.
 */
export class IngestRequestOutcomes1764500000000 implements MigrationInterface {
  name = 'IngestRequestOutcomes1764500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE ingest_request_outcome (
         bucket_start TIMESTAMPTZ NOT NULL,
         result VARCHAR(20) NOT NULL,
         request_count BIGINT NOT NULL,
         event_count BIGINT NOT NULL,
         CONSTRAINT pk_ingest_request_outcome PRIMARY KEY (bucket_start, result)
       )`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE ingest_request_outcome`);
  }
}
