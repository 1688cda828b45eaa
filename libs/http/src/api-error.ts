export interface FieldError {
  field: string;
  reason: string;
  rejectedValue?: unknown;
}

/** An error with its HTTP answer; thrown by services at the edge and rendered by ApiErrorFilter. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = ApiError.name;
  }
}

export const INVALID_REQUEST = 'INVALID_REQUEST';
export const INVALID_REQUEST_MESSAGE = '요청 값이 올바르지 않습니다.';

export function invalidRequest(errors: FieldError[]): ApiError {
  return new ApiError(400, INVALID_REQUEST, INVALID_REQUEST_MESSAGE, { errors });
}
