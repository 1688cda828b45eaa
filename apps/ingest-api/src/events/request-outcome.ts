import { ApiError } from '@app/http';
import { IngestRequestResult, IngestSource } from '@app/observability';
import { IngestOutcomes } from './ingest-outcomes.recorder';

const RESULT_BY_CODE: Record<string, IngestRequestResult> = {
  ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED: 'rate_limited',
  ANALYTICS_INGEST_EVENT_NOT_ALLOWED: 'not_allowed',
  ANALYTICS_INGEST_UNAVAILABLE: 'unavailable',
};

/** The `result` label of a request that failed with `error`. */
export function requestResultOf(error: unknown): IngestRequestResult {
  return error instanceof ApiError ? (RESULT_BY_CODE[error.code] ?? 'invalid') : 'unavailable';
}

/**
 * Counts a native ingest request that reached its handler by outcome; the ones refused before (body, field validation,
 * oversized batch) are counted `invalid` where they are refused. A plain wrapper rather than a Nest interceptor: an
 * interceptor costs an rxjs chain and two async-context bindings on every request.
 */
export async function countRequestOutcome<T>(
  outcomes: IngestOutcomes,
  source: IngestSource,
  handle: () => Promise<T>,
): Promise<T> {
  try {
    const answer = await handle();
    outcomes.request('accepted', source, 'native');
    return answer;
  } catch (error) {
    outcomes.request(requestResultOf(error), source, 'native');
    throw error;
  }
}

/** The source of a request by its path: the service-to-service endpoint is the only one under `/internal/`. */
export function ingestSourceOf(path: string): IngestSource {
  return path.includes('/internal/') ? 'server' : 'client';
}
