import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

/**
 * Hands an error thrown by a batch handler back to `RabbitBatchTransport` as it was thrown. Nest's default RPC filter
 * would log it and replace it with "Internal server error"; the transport logs the failure itself (with the real
 * message) and retries the batch. Put it on every consumer controller: `@UseFilters(BatchFailureFilter)`.
 */
@Catch()
export class BatchFailureFilter implements RpcExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
