import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE user_activity_event (
        id BIGSERIAL PRIMARY KEY,
        event_id VARCHAR(64) NOT NULL,
        event_name VARCHAR(100) NOT NULL,
        event_version VARCHAR(20) NOT NULL,
        occurred_at TIMESTAMPTZ NOT NULL,
        received_at TIMESTAMPTZ NOT NULL,
        member_id BIGINT NULL,
        anonymous_id VARCHAR(100) NULL,
        session_id VARCHAR(100) NULL,
        source VARCHAR(20) NOT NULL,
        platform VARCHAR(30) NULL,
        properties JSONB NOT NULL DEFAULT '{}',
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT uq_user_activity_event_event_id UNIQUE (event_id)
      )`);
    await runner.query(
      `CREATE INDEX idx_user_activity_event_member_occurred ON user_activity_event (member_id, occurred_at DESC)`,
    );
    await runner.query(
      `CREATE INDEX idx_user_activity_event_name_occurred ON user_activity_event (event_name, occurred_at DESC)`,
    );
    await runner.query(`CREATE INDEX idx_user_activity_event_occurred ON user_activity_event (occurred_at DESC)`);

    await runner.query(`
      CREATE TABLE user_activity_source_outbox (
        id BIGSERIAL PRIMARY KEY,
        event_id VARCHAR(64) NOT NULL,
        event_name VARCHAR(100) NOT NULL,
        event_version VARCHAR(20) NOT NULL,
        occurred_at TIMESTAMPTZ NOT NULL,
        member_id BIGINT NULL,
        payload JSONB NOT NULL,
        status VARCHAR(20) NOT NULL DEFAULT 'PENDING',
        retry_count INT NOT NULL DEFAULT 0,
        next_retry_at TIMESTAMPTZ NULL,
        last_error VARCHAR(1000) NULL,
        published_at TIMESTAMPTZ NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT uq_user_activity_source_outbox_event_id UNIQUE (event_id),
        CONSTRAINT ck_user_activity_source_outbox_status CHECK (status IN ('PENDING', 'PUBLISHED', 'FAILED'))
      )`);
    await runner.query(
      `CREATE INDEX idx_user_activity_source_outbox_status_retry ON user_activity_source_outbox (status, next_retry_at, id)`,
    );
    // The relay claims ORDER BY id among unpublished rows; a partial index keeps that cheap when PUBLISHED rows pile up.
    await runner.query(
      `CREATE INDEX idx_user_activity_source_outbox_unpublished ON user_activity_source_outbox (id) WHERE status IN ('PENDING', 'FAILED')`,
    );

    await runner.query(`
      CREATE TABLE user_activity_dispatch_outbox (
        id BIGSERIAL PRIMARY KEY,
        event_id VARCHAR(64) NOT NULL,
        dispatch_target VARCHAR(30) NOT NULL,
        payload JSONB NOT NULL,
        status VARCHAR(20) NOT NULL DEFAULT 'PENDING',
        retry_count INT NOT NULL DEFAULT 0,
        next_retry_at TIMESTAMPTZ NULL,
        last_error VARCHAR(1000) NULL,
        dispatched_at TIMESTAMPTZ NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT uq_user_activity_dispatch_outbox_event_target UNIQUE (event_id, dispatch_target),
        CONSTRAINT ck_user_activity_dispatch_outbox_status CHECK (status IN ('PENDING', 'DISPATCHED', 'FAILED'))
      )`);
    await runner.query(
      `CREATE INDEX idx_user_activity_dispatch_outbox_target_status ON user_activity_dispatch_outbox (dispatch_target, status, next_retry_at, id)`,
    );
    await runner.query(
      `CREATE INDEX idx_user_activity_dispatch_outbox_undispatched ON user_activity_dispatch_outbox (dispatch_target, id) WHERE status IN ('PENDING', 'FAILED')`,
    );

    await runner.query(`
      CREATE TABLE message_queue_trace_log (
        id BIGSERIAL PRIMARY KEY,
        message_id VARCHAR(100) NOT NULL,
        topic VARCHAR(100) NOT NULL,
        provider VARCHAR(30) NOT NULL,
        message_key VARCHAR(200) NULL,
        consumer_group VARCHAR(100) NULL,
        stage VARCHAR(30) NOT NULL,
        processing_millis BIGINT NULL,
        error_message VARCHAR(1000) NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT ck_message_queue_trace_log_stage
          CHECK (stage IN ('PUBLISH', 'PUBLISH_FAIL', 'CONSUME_SUCCESS', 'CONSUME_FAIL', 'DEAD_LETTER'))
      )`);
    await runner.query(
      `CREATE INDEX idx_message_queue_trace_log_message ON message_queue_trace_log (message_id, id DESC)`,
    );
    await runner.query(`CREATE INDEX idx_message_queue_trace_log_created ON message_queue_trace_log (created_at)`);

    await runner.query(`
      CREATE TABLE admin_audit_log (
        id BIGSERIAL PRIMARY KEY,
        token_name VARCHAR(100) NOT NULL,
        action VARCHAR(100) NOT NULL,
        parameters JSONB NOT NULL DEFAULT '{}',
        result JSONB NOT NULL DEFAULT '{}',
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);

    await runner.query(`
      CREATE TABLE user_activity_dispatch_circuit (
        dispatch_target VARCHAR(30) PRIMARY KEY,
        state VARCHAR(20) NOT NULL,
        consecutive_failures INT NOT NULL DEFAULT 0,
        opened_at TIMESTAMPTZ NULL,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT ck_user_activity_dispatch_circuit_state CHECK (state IN ('CLOSED', 'OPEN', 'HALF_OPEN'))
      )`);

    await runner.query(`
      CREATE TABLE ingest_rate_limit_window (
        rate_key VARCHAR(200) NOT NULL,
        window_start TIMESTAMPTZ NOT NULL,
        request_count INT NOT NULL,
        CONSTRAINT pk_ingest_rate_limit_window PRIMARY KEY (rate_key, window_start)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of [
      'ingest_rate_limit_window',
      'user_activity_dispatch_circuit',
      'admin_audit_log',
      'message_queue_trace_log',
      'user_activity_dispatch_outbox',
      'user_activity_source_outbox',
      'user_activity_event',
    ]) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}
