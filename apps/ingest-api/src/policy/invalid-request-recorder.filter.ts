import { ArgumentsHost, Catch, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { EVENT_FIELD_MAX_CHARS, IngestRejectionReason } from '@app/entities';
import { ApiError, ApiErrorFilter } from '@app/http';
import { EVENT_NOT_ALLOWED } from '../events/ingest.errors';
import { ClientNetwork } from '../rate-limit/client-network';
import { IngestRejections } from './ingest-rejections.recorder';

/** The event names a refused body carries, if it has any readable ones; the body is not trusted beyond that. */
function eventNamesOf(body: unknown): string[] {
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) {
    return [];
  }
  return events
    .map((event) => (event as { eventName?: unknown } | null)?.eventName)
    .filter((name): name is string => typeof name === 'string' && name.trim() !== '')
    .map((name) => name.slice(0, EVENT_FIELD_MAX_CHARS.eventName));
}

/**
 * Route filter of the client endpoints: a request refused as invalid (field validation, batch size, missing
 * anonymousId) is recorded for the rejections endpoint under its client network, then rendered as every error is.
 */
@Catch()
@Injectable()
export class InvalidRequestRecorder extends ApiErrorFilter {
  constructor(
    private readonly rejections: IngestRejections,
    private readonly clientNetwork: ClientNetwork,
  ) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof ApiError && exception.status === 400 && exception.code !== EVENT_NOT_ALLOWED) {
      const request = host.switchToHttp().getRequest<FastifyRequest>();
      this.rejections.record(
        IngestRejectionReason.Invalid,
        this.clientNetwork.keyOf(request.raw),
        eventNamesOf(request.body),
      );
    }
    super.catch(exception, host);
  }
}
