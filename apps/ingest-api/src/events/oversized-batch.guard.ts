import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG } from '@app/config';
import { IngestConfig } from '../ingest-api.config';
import { IngestOutcomes } from './ingest-outcomes.recorder';
import { ingestErrors } from './ingest.errors';
import { ingestSourceOf } from './request-outcome';

/** How many times the batch limit a request may carry before it is refused without looking at its events. */
export const OVERSIZED_BATCH_FACTOR = 10;

/**
 * Field validation walks every element of `events`: 80 000 empty objects fit in the default 256 KiB body and keep
 * the event loop busy for seconds. A batch this far over the limit is refused before that; one merely over the
 * limit is still judged in DESIGN §3's order (field errors first).
 */
@Injectable()
export class OversizedBatchGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    private readonly outcomes: IngestOutcomes,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const body = request.body as { events?: unknown } | undefined;
    const count = Array.isArray(body?.events) ? body.events.length : 0;
    const limit = this.config.ANALYTICS_INGEST_MAX_BATCH_SIZE;
    if (count > limit * OVERSIZED_BATCH_FACTOR) {
      this.outcomes.request('invalid', ingestSourceOf(request.url), 'native');
      throw ingestErrors.batchLimitExceeded(limit, count);
    }
    return true;
  }
}
