import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, invalidRequest } from './api-error';

function rejectedValue(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  }
  return typeof value === 'object' && value !== null ? undefined : value;
}

function flatten(errors: ValidationError[], parentPath = ''): FieldError[] {
  return errors.flatMap((error) => {
    const path = /^\d+$/.test(error.property)
      ? `${parentPath}[${error.property}]`
      : parentPath
        ? `${parentPath}.${error.property}`
        : error.property;
    const own = Object.values(error.constraints ?? {})
      .slice(0, 1)
      .map((reason) => ({ field: path, reason, rejectedValue: rejectedValue(error.value) }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** STYLE's global pipe: whitelist, forbid unknown fields, transform; failures become 400 INVALID_REQUEST with field errors. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => invalidRequest(flatten(errors).slice(0, 50)),
  });
}
