import { Injectable } from '@nestjs/common';
import { SqlExecutor } from './sql-executor';

/** Values of `admin_audit_log.action`. */
export enum AdminAuditAction {
  SourceOutboxReplay = 'SOURCE_OUTBOX_REPLAY',
  DispatchOutboxReplay = 'DISPATCH_OUTBOX_REPLAY',
  DeadLetterRedrive = 'DEAD_LETTER_REDRIVE',
  IngestPolicyChange = 'INGEST_POLICY_CHANGE',
}

export interface AdminAuditEntry {
  /** The name half of the `name:secret` admin token; the secret is never stored. */
  tokenName: string;
  action: AdminAuditAction;
  parameters: Record<string, unknown>;
  result: Record<string, unknown>;
}

/** `admin_audit_log`: one row per operator action, written in the action's own transaction. */
@Injectable()
export class AdminAuditRepository {
  async record(tx: SqlExecutor, entry: AdminAuditEntry): Promise<void> {
    await tx.query(
      `INSERT INTO admin_audit_log (token_name, action, parameters, result) VALUES ($1, $2, $3::jsonb, $4::jsonb)`,
      [entry.tokenName.slice(0, 100), entry.action, JSON.stringify(entry.parameters), JSON.stringify(entry.result)],
    );
  }
}
