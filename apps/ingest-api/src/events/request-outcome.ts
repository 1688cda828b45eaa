import { ApiError } from '@app/http';
import { IngestRequestResult } from '@app/metrics';
import { IngestOutcomes } from './ingest-outcomes';

const RESULT_BY_CODE: Record<string, IngestRequestResult> = {
  ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED: 'rate_limited',
  ANALYTICS_INGEST_EVENT_NOT_ALLOWED: 'not_allowed',
  ANALYTICS_INGEST_UNAVAILABLE: 'unavailable',
};

/**
 * Counts an ingest request that reached its handler by outcome; the ones refused before (body, field validation,
 * oversized batch) are counted `invalid` where they are refused. A plain wrapper rather than a Nest interceptor: an
 * interceptor costs an rxjs chain and two async-context bindings on every request.
 */
export async function countRequestOutcome<T>(outcomes: IngestOutcomes, handle: () => Promise<T>): Promise<T> {
  try {
    const answer = await handle();
    outcomes.request('accepted');
    return answer;
  } catch (error) {
    const result = error instanceof ApiError ? (RESULT_BY_CODE[error.code] ?? 'invalid') : 'unavailable';
    outcomes.request(result);
    throw error;
  }
}
