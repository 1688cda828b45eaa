/** At most `maxRequests` per fixed window of `windowMs` (for the network limit, `maxRequests` 0 = off). */
export interface RateLimitSetting {
  maxRequests: number;
  windowMs: number;
}

/** The values ingest-api applies to client events (DESIGN §3 checks 5 and 6). */
export interface IngestPolicyValues {
  allowlist: string[];
  rateLimit: RateLimitSetting;
  ipRateLimit: RateLimitSetting;
}

/** A temporary raise (runbook §9-1 "임시 상향"): these limits apply instead of the base ones until `until`. */
export interface IngestPolicyOverride {
  rateLimit?: RateLimitSetting;
  ipRateLimit?: RateLimitSetting;
  until: Date;
}

/** The stored policy: the base values, an override that may have expired, and who changed it last. */
export interface IngestPolicyRecord extends IngestPolicyValues {
  override: IngestPolicyOverride | null;
  /** Grows by one with every change; a replica that already holds this version skips the rebuild. */
  version: number;
  updatedBy: string;
  updatedAt: Date;
}

/** The override while it lasts; null once `until` has passed, when the base values apply again by themselves. */
export function activeOverride(record: IngestPolicyRecord, nowMs: number): IngestPolicyOverride | null {
  return record.override !== null && record.override.until.getTime() > nowMs ? record.override : null;
}

export function effectivePolicy(record: IngestPolicyRecord, nowMs: number): IngestPolicyValues {
  const override = activeOverride(record, nowMs);
  return {
    allowlist: record.allowlist,
    rateLimit: override?.rateLimit ?? record.rateLimit,
    ipRateLimit: override?.ipRateLimit ?? record.ipRateLimit,
  };
}

/** Why ingest-api refused a request, as the rejections endpoint reports it. */
export enum IngestRejectionReason {
  RateLimited = 'rate_limited',
  NotAllowed = 'not_allowed',
  Invalid = 'invalid',
}

/** What a rejection row counts: the caller (`member:`, `anonymous:` or `ip:` key) or a refused event name. */
export enum IngestRejectionKind {
  Caller = 'caller',
  EventName = 'event_name',
}
