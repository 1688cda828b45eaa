import { ValidateBy, ValidationOptions } from 'class-validator';

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
          const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
          const year = new Date(time).getUTCFullYear();
          return !Number.isNaN(time) && year >= 1 && year <= 9999;
        },
        defaultMessage: () => '$property must be an ISO-8601 instant between the years 1 and 9999',
      },
    },
    options,
  );
}
