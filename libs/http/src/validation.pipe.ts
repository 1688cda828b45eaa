import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, invalidRequest } from './api-error';

function rejectedValue(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  }
  return typeof value === 'object' && value !== null ? undefined : value;
}

/**
 * Constraints by how basic they are: a value of the wrong type fails every rule after it too (a missing eventId is
 * "longer than 64 characters" to class-validator), so only the failures of the most basic tier that failed are true.
 */
const TYPE_CONSTRAINTS = new Set(['isString', 'isInt', 'isNumber', 'isBoolean', 'isArray', 'isObject', 'isEnum']);

function tierOf(constraint: string): number {
  if (TYPE_CONSTRAINTS.has(constraint)) {
    return 0;
  }
  return constraint === 'nestedValidation' ? 1 : 2;
}

/** Every failed constraint of the most basic failing tier, in the order written (class-validator lists them reversed). */
function reasonsOf(error: ValidationError): string[] {
  const failed = Object.entries(error.constraints ?? {}).reverse();
  if (failed.length === 0) {
    return [];
  }
  if (error.value === undefined && !('whitelistValidation' in (error.constraints ?? {}))) {
    return [`${error.property} is required`];
  }
  const basic = Math.min(...failed.map(([constraint]) => tierOf(constraint)));
  return failed.filter(([constraint]) => tierOf(constraint) === basic).map(([, reason]) => reason);
}

function flatten(errors: ValidationError[], parentPath = ''): FieldError[] {
  return errors.flatMap((error) => {
    const path = /^\d+$/.test(error.property)
      ? `${parentPath}[${error.property}]`
      : parentPath
        ? `${parentPath}.${error.property}`
        : error.property;
    const own = reasonsOf(error).map((reason) => ({ field: path, reason, rejectedValue: rejectedValue(error.value) }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/**
 * STYLE's global pipe: whitelist, forbid unknown fields, transform; failures become 400 INVALID_REQUEST with field
 * errors, and `onRejected` is called for each.
 */
export function createValidationPipe(onRejected: () => void = () => undefined): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      onRejected();
      return invalidRequest(flatten(errors).slice(0, 50));
    },
  });
}
