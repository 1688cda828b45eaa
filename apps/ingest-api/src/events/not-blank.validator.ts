import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * The value must hold more than whitespace, by the same rule (`String.prototype.trim`) the relay and the store apply
 * to a canonical event: a blank id accepted here could never be published.
 */
export function IsNotBlank(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotBlank',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.trim().length > 0,
        defaultMessage: () => '$property must not be blank',
      },
    },
    options,
  );
}
