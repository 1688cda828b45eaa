import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { parseIsoDuration } from '@app/config';
import {
  activeOverride,
  AdminAuditAction,
  AdminAuditRepository,
  effectivePolicy,
  IngestPolicyOverride,
  IngestPolicyRecord,
  IngestPolicyRepository,
  IngestPolicyValues,
  RateLimitSetting,
} from '@app/entities';
import { ApiError, FieldError, invalidRequest } from '@app/http';
import {
  CallerRateLimitInputDto,
  IngestPolicyOverrideInputDto,
  IngestPolicyUpdateDto,
  IngestPolicyValuesDto,
  IngestPolicyViewDto,
  NetworkRateLimitInputDto,
  RateLimitViewDto,
} from './ingest-policy.dto';
import { parseInstant } from '../http/iso-instant';
import { formatWindow } from './policy-input.validators';

/** The furthest an override may reach: a temporary raise, not a way around the audited base values. */
export const MAX_OVERRIDE_MS = 7 * 24 * 3_600_000;

function notSeeded(): ApiError {
  return new ApiError(
    404,
    'ADMIN_INGEST_POLICY_NOT_FOUND',
    '수집 정책이 아직 없습니다. ingest-api가 처음 시작될 때 환경 변수로 만들어집니다.',
  );
}

function rateLimitView(setting: RateLimitSetting): RateLimitViewDto {
  return { maxRequests: setting.maxRequests, window: formatWindow(setting.windowMs), windowMs: setting.windowMs };
}

function valuesView(values: IngestPolicyValues): IngestPolicyValuesDto {
  return {
    allowlist: values.allowlist,
    rateLimit: rateLimitView(values.rateLimit),
    ipRateLimit: rateLimitView(values.ipRateLimit),
  };
}

export function policyView(record: IngestPolicyRecord, nowMs: number): IngestPolicyViewDto {
  const override = activeOverride(record, nowMs);
  return {
    version: record.version,
    effective: valuesView(effectivePolicy(record, nowMs)),
    base: valuesView(record),
    override:
      override === null
        ? null
        : {
            ...(override.rateLimit && { rateLimit: rateLimitView(override.rateLimit) }),
            ...(override.ipRateLimit && { ipRateLimit: rateLimitView(override.ipRateLimit) }),
            until: override.until.toISOString(),
          },
    updatedBy: record.updatedBy,
    updatedAt: record.updatedAt.toISOString(),
  };
}

function settingFrom(
  input: CallerRateLimitInputDto | NetworkRateLimitInputDto | undefined,
  current: RateLimitSetting,
): RateLimitSetting {
  if (input === undefined) {
    return current;
  }
  const windowMs = input.window === undefined ? current.windowMs : (parseIsoDuration(input.window) ?? current.windowMs);
  return { maxRequests: input.maxRequests, windowMs };
}

/** The override a PUT asks for, checked against the clock; windows left out are the (new) base ones. */
function overrideFrom(input: IngestPolicyOverrideInputDto, base: IngestPolicyValues, nowMs: number) {
  const errors: FieldError[] = [];
  const until = parseInstant(input.until);
  if (until === null) {
    errors.push({
      field: 'override.until',
      reason: 'override.until must be an ISO-8601 instant with its offset, such as 2026-01-01T12:00:00Z',
      rejectedValue: input.until,
    });
  } else if (until.getTime() <= nowMs || until.getTime() > nowMs + MAX_OVERRIDE_MS) {
    errors.push({
      field: 'override.until',
      reason: 'override.until must be in the future and at most 7 days ahead',
      rejectedValue: input.until,
    });
  }
  if (input.rateLimit === undefined && input.ipRateLimit === undefined) {
    errors.push({ field: 'override', reason: 'override must carry rateLimit or ipRateLimit (or both)' });
  }
  if (errors.length > 0 || until === null) {
    throw invalidRequest(errors);
  }
  const override: IngestPolicyOverride = { until };
  if (input.rateLimit !== undefined) {
    override.rateLimit = settingFrom(input.rateLimit, base.rateLimit);
  }
  if (input.ipRateLimit !== undefined) {
    override.ipRateLimit = settingFrom(input.ipRateLimit, base.ipRateLimit);
  }
  return override;
}

/** Runbook §9: the live ingest policy, read and changed by operators; every change audited with its reason. */
@Injectable()
export class IngestPolicyAdminService {
  private readonly logger = new Logger(IngestPolicyAdminService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly policies: IngestPolicyRepository,
    private readonly audit: AdminAuditRepository,
  ) {}

  async read(): Promise<IngestPolicyViewDto> {
    const record = await this.policies.read(this.dataSource);
    if (record === null) {
      throw notSeeded();
    }
    return policyView(record, Date.now());
  }

  /**
   * Applies the parts the body gives over the stored policy, under the row's lock; the change, its audit row (reason,
   * before, after) and the NOTIFY that tells the ingest-api replicas commit together. An override that has expired is
   * dropped by any change.
   */
  async change(tokenName: string, update: IngestPolicyUpdateDto): Promise<IngestPolicyViewDto> {
    const { reason, ...given } = update;
    // The transformed body holds every declared field, those not sent as undefined.
    const change = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
    if (Object.keys(change).length === 0) {
      throw invalidRequest([
        { field: '(body)', reason: 'nothing to change: give allowlist, rateLimit, ipRateLimit or override' },
      ]);
    }
    const view = await this.dataSource.transaction(async (tx) => {
      const before = await this.policies.read(tx, true);
      if (before === null) {
        throw notSeeded();
      }
      const nowMs = Date.now();
      const values: IngestPolicyValues = {
        allowlist: update.allowlist ?? before.allowlist,
        rateLimit: settingFrom(update.rateLimit, before.rateLimit),
        ipRateLimit: settingFrom(update.ipRateLimit, before.ipRateLimit),
      };
      const override =
        update.override === undefined
          ? activeOverride(before, nowMs)
          : update.override === null
            ? null
            : overrideFrom(update.override, values, nowMs);
      const after = await this.policies.replace(tx, values, override, tokenName);
      const result = { before: policyView(before, nowMs), after: policyView(after, nowMs) };
      await this.audit.record(tx, {
        tokenName,
        action: AdminAuditAction.IngestPolicyChange,
        parameters: { reason, change },
        result,
      });
      return result.after;
    });
    this.logger.log({ msg: 'ingest policy changed', tokenName, version: view.version, reason });
    return view;
  }
}
