import { ApiError, invalidRequest } from '@app/http';

/** The 400 the service records as a not-allowed rejection itself, with the caller it identified. */
export const EVENT_NOT_ALLOWED = 'ANALYTICS_INGEST_EVENT_NOT_ALLOWED';

export const ingestErrors = {
  batchLimitExceeded: (max: number, given: number) =>
    new ApiError(400, 'ANALYTICS_INGEST_BATCH_LIMIT_EXCEEDED', '한 번에 수집 가능한 이벤트 수를 초과했습니다.', {
      maxBatchSize: max,
      eventCount: given,
    }),
  eventNotAllowed: (names: string[]) =>
    new ApiError(400, EVENT_NOT_ALLOWED, '허용되지 않은 이벤트가 포함되어 있습니다.', {
      notAllowedEventNames: names,
    }),
  anonymousIdRequired: () =>
    new ApiError(400, 'ANALYTICS_INGEST_ANONYMOUS_ID_REQUIRED', '익명 이벤트 수집에는 anonymousId가 필요합니다.'),
  rateLimitExceeded: (headers: Record<string, string>) =>
    new ApiError(
      429,
      'ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED',
      '이벤트 수집 요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.',
      {},
      headers,
    ),
  sdkKeyInvalid: () => new ApiError(401, 'ANALYTICS_INGEST_SDK_KEY_INVALID', 'SDK 키가 없거나 올바르지 않습니다.'),
  sdkBodyUnreadable: () =>
    invalidRequest([{ field: '(body)', reason: 'no event, event array or batch object in the body' }]),
  unavailable: () =>
    new ApiError(
      503,
      'ANALYTICS_INGEST_UNAVAILABLE',
      '이벤트 수집 경로가 준비되지 않았습니다. 잠시 후 다시 시도해 주세요.',
      {},
      {
        'Retry-After': '1',
      },
    ),
};
