import { ValidateBy, ValidationOptions } from 'class-validator';
import { isStorableTime } from '@app/entities';

/**
 * The value must name a real instant in the years 1 to 9999 once read by `Date`: ISO-8601 also allows week and
 * ordinal dates and years PostgreSQL refuses or the canonical event cannot carry, which would fail after the 202.
 */
export function IsStorableInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableInstant',
      validator: {
        validate: (value: unknown) => {
          return typeof value === 'string' && isStorableTime(Date.parse(value));
        },
        defaultMessage: () => '$property must be an ISO-8601 instant between the years 1 and 9999',
      },
    },
    options,
  );
}
