import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, tap, throwError } from 'rxjs';
import { ApiError } from '@app/http';
import { IngestMetrics, IngestRequestResult } from '@app/metrics';

const RESULT_BY_CODE: Record<string, IngestRequestResult> = {
  ANALYTICS_INGEST_RATE_LIMIT_EXCEEDED: 'rate_limited',
  ANALYTICS_INGEST_EVENT_NOT_ALLOWED: 'not_allowed',
  ANALYTICS_INGEST_UNAVAILABLE: 'unavailable',
};

/** Counts every ingest request by outcome, including those the validation pipe rejects. */
@Injectable()
export class RequestOutcomeInterceptor implements NestInterceptor {
  constructor(private readonly metrics: IngestMetrics) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap(() => this.metrics.requests.inc({ result: 'accepted' })),
      catchError((error: unknown) => {
        const result = error instanceof ApiError ? (RESULT_BY_CODE[error.code] ?? 'invalid') : 'unavailable';
        this.metrics.requests.inc({ result });
        return throwError(() => error);
      }),
    );
  }
}
