import { Injectable } from '@nestjs/common';
import { SqlExecutor } from './sql-executor';
import { IngestPolicyOverride, IngestPolicyRecord, IngestPolicyValues, RateLimitSetting } from './ingest-policy';

/** ingest-api LISTENs here; admin-api NOTIFYs in the transaction that changes the policy, so it fires on commit. */
export const INGEST_POLICY_CHANNEL = 'ingest_policy';

const POLICY_ID = 1;

interface PolicyRow {
  allowlist: string[];
  rate_limit_max_requests: string;
  rate_limit_window_ms: string;
  ip_rate_limit_max_requests: string;
  ip_rate_limit_window_ms: string;
  override: { rateLimit?: RateLimitSetting; ipRateLimit?: RateLimitSetting } | null;
  override_until: Date | null;
  version: string;
  updated_by: string;
  updated_at: Date;
}

const COLUMNS = `allowlist, rate_limit_max_requests, rate_limit_window_ms, ip_rate_limit_max_requests,
  ip_rate_limit_window_ms, override, override_until, version, updated_by, updated_at`;

function toRecord(row: PolicyRow): IngestPolicyRecord {
  const override: IngestPolicyOverride | null =
    row.override !== null && row.override_until !== null
      ? {
          ...(row.override.rateLimit && { rateLimit: row.override.rateLimit }),
          ...(row.override.ipRateLimit && { ipRateLimit: row.override.ipRateLimit }),
          until: row.override_until,
        }
      : null;
  return {
    allowlist: row.allowlist,
    rateLimit: { maxRequests: Number(row.rate_limit_max_requests), windowMs: Number(row.rate_limit_window_ms) },
    ipRateLimit: { maxRequests: Number(row.ip_rate_limit_max_requests), windowMs: Number(row.ip_rate_limit_window_ms) },
    override,
    version: Number(row.version),
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

function valueParameters(values: IngestPolicyValues): unknown[] {
  return [
    values.allowlist,
    values.rateLimit.maxRequests,
    values.rateLimit.windowMs,
    values.ipRateLimit.maxRequests,
    values.ipRateLimit.windowMs,
  ];
}

/** `ingest_policy`: the one row of the live ingest policy. */
@Injectable()
export class IngestPolicyRepository {
  /** The stored policy, or null before any ingest-api has seeded it; `forUpdate` locks the row for a change. */
  async read(executor: SqlExecutor, forUpdate = false): Promise<IngestPolicyRecord | null> {
    const rows = await executor.query<PolicyRow[]>(
      `SELECT ${COLUMNS} FROM ingest_policy WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [POLICY_ID],
    );
    return rows.length === 0 ? null : toRecord(rows[0]);
  }

  /** Writes the first policy; true when this call did, false when the row was already there (it is left alone). */
  async seed(executor: SqlExecutor, values: IngestPolicyValues, seededBy: string): Promise<boolean> {
    const rows = await executor.query<unknown[]>(
      `INSERT INTO ingest_policy (id, allowlist, rate_limit_max_requests, rate_limit_window_ms,
         ip_rate_limit_max_requests, ip_rate_limit_window_ms, updated_by)
       VALUES ($6, $1::text[], $2, $3, $4, $5, $7)
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      [...valueParameters(values), POLICY_ID, seededBy],
    );
    return rows.length > 0;
  }

  /** Replaces the policy (inside the caller's transaction, which holds the row) and NOTIFYs the replicas. */
  async replace(
    tx: SqlExecutor,
    values: IngestPolicyValues,
    override: IngestPolicyOverride | null,
    updatedBy: string,
  ): Promise<IngestPolicyRecord> {
    const overrideJson =
      override === null
        ? null
        : JSON.stringify({
            ...(override.rateLimit && { rateLimit: override.rateLimit }),
            ...(override.ipRateLimit && { ipRateLimit: override.ipRateLimit }),
          });
    const rows = await tx.query<PolicyRow[]>(
      // In a CTE, so that the driver hands back the rows as for a SELECT.
      `WITH changed AS (
         UPDATE ingest_policy
         SET allowlist = $1::text[], rate_limit_max_requests = $2, rate_limit_window_ms = $3,
             ip_rate_limit_max_requests = $4, ip_rate_limit_window_ms = $5, override = $6::jsonb,
             override_until = $7, version = version + 1, updated_by = $8, updated_at = clock_timestamp()
         WHERE id = $9
         RETURNING ${COLUMNS})
       SELECT ${COLUMNS} FROM changed`,
      [...valueParameters(values), overrideJson, override?.until ?? null, updatedBy.slice(0, 100), POLICY_ID],
    );
    const record = toRecord(rows[0]);
    await tx.query(`SELECT pg_notify($1, $2)`, [INGEST_POLICY_CHANNEL, String(record.version)]);
    return record;
  }
}
