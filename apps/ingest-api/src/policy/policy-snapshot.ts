import { IngestPolicyRecord, IngestPolicyValues, RateLimitSetting } from '@app/entities';
import { RateLimitPolicy } from '../rate-limit/rate-limiter.service';

/** What the checks of DESIGN §3 read on every request. */
export interface IngestPolicySnapshot {
  allowlist: ReadonlySet<string>;
  callerLimit: RateLimitPolicy;
  networkLimit: RateLimitPolicy;
}

/** The snapshots one stored policy gives: the base one and, while an override lasts, the overridden one. */
export interface PolicySnapshots {
  version: number;
  base: IngestPolicySnapshot;
  overridden: IngestPolicySnapshot | null;
  overrideUntilMs: number;
}

function snapshotOf(
  allowlist: ReadonlySet<string>,
  caller: RateLimitSetting,
  network: RateLimitSetting,
): IngestPolicySnapshot {
  return {
    allowlist,
    callerLimit: { maxRequests: caller.maxRequests, windowMs: caller.windowMs },
    networkLimit: { maxRequests: network.maxRequests, windowMs: network.windowMs },
  };
}

export function policySnapshots(record: IngestPolicyRecord): PolicySnapshots {
  const allowlist = new Set(record.allowlist);
  const { override } = record;
  return {
    version: record.version,
    base: snapshotOf(allowlist, record.rateLimit, record.ipRateLimit),
    overridden:
      override === null
        ? null
        : snapshotOf(allowlist, override.rateLimit ?? record.rateLimit, override.ipRateLimit ?? record.ipRateLimit),
    overrideUntilMs: override?.until.getTime() ?? 0,
  };
}

function sameLimit(a: RateLimitSetting, b: RateLimitSetting): boolean {
  return a.maxRequests === b.maxRequests && a.windowMs === b.windowMs;
}

/** The environment variables whose values differ from the stored base policy. */
export function differingSettings(environment: IngestPolicyValues, stored: IngestPolicyValues): string[] {
  const differing: string[] = [];
  const storedNames = new Set(stored.allowlist);
  if (
    environment.allowlist.length !== storedNames.size ||
    environment.allowlist.some((name) => !storedNames.has(name))
  ) {
    differing.push('ANALYTICS_INGEST_ALLOWLIST');
  }
  if (!sameLimit(environment.rateLimit, stored.rateLimit)) {
    differing.push('ANALYTICS_INGEST_RATE_LIMIT_MAX_REQUESTS', 'ANALYTICS_INGEST_RATE_LIMIT_WINDOW');
  }
  if (!sameLimit(environment.ipRateLimit, stored.ipRateLimit)) {
    differing.push('ANALYTICS_INGEST_IP_RATE_LIMIT_MAX_REQUESTS', 'ANALYTICS_INGEST_IP_RATE_LIMIT_WINDOW');
  }
  return differing;
}
