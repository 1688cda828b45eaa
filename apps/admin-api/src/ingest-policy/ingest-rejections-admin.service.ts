import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { IngestRejectionKind, IngestRejectionReason, IngestRejectionRepository } from '@app/entities';
import { clampLimit } from '../http/limit-param';
import { DEFAULT_SINCE, IngestRejectionsDto, RejectedCallerDto, REJECTIONS_LIMIT } from './ingest-rejections.dto';
import { parseSince } from './policy-input.validators';

const CALLER_TYPES = new Set(['member', 'anonymous', 'ip']);

function splitCaller(caller: string): Pick<RejectedCallerDto, 'callerType' | 'callerId'> {
  const separator = caller.indexOf(':');
  const type = separator < 0 ? '' : caller.slice(0, separator);
  return CALLER_TYPES.has(type)
    ? { callerType: type, callerId: caller.slice(separator + 1) }
    : { callerType: 'other', callerId: caller };
}

/** Runbook §9-1 and §9-2 step 1: who is refused most, and which event names, from what the replicas flushed. */
@Injectable()
export class IngestRejectionsAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rejections: IngestRejectionRepository,
  ) {}

  async top(
    reason: IngestRejectionReason | undefined,
    sinceParam: string | undefined,
    requestedLimit: number | undefined,
  ): Promise<IngestRejectionsDto> {
    const limit = clampLimit(requestedLimit, REJECTIONS_LIMIT);
    const since = parseSince(sinceParam ?? DEFAULT_SINCE, Date.now()) ?? new Date();
    const [callers, eventNames] = await Promise.all([
      this.rejections.top(this.dataSource, IngestRejectionKind.Caller, reason ?? null, since, limit),
      this.rejections.top(this.dataSource, IngestRejectionKind.EventName, reason ?? null, since, limit),
    ]);
    return {
      reason: reason ?? null,
      since: since.toISOString(),
      limit,
      callers: callers.map((row) => ({
        reason: row.reason,
        caller: row.key,
        ...splitCaller(row.key),
        count: row.count,
        firstSeenAt: row.firstSeenAt.toISOString(),
        lastSeenAt: row.lastSeenAt.toISOString(),
      })),
      eventNames: eventNames.map((row) => ({
        reason: row.reason,
        eventName: row.key,
        count: row.count,
        firstSeenAt: row.firstSeenAt.toISOString(),
        lastSeenAt: row.lastSeenAt.toISOString(),
      })),
    };
  }
}
