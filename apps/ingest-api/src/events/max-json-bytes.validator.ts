import { ValidateBy, ValidationOptions } from 'class-validator';

/** The value's JSON serialization must fit in `maxBytes` (UTF-8). */
export function MaxJsonBytes(maxBytes: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxJsonBytes',
      constraints: [maxBytes],
      validator: {
        validate: (value: unknown) => value === undefined || Buffer.byteLength(JSON.stringify(value)) <= maxBytes,
        defaultMessage: () => `must serialize to at most ${maxBytes} bytes`,
      },
    },
    options,
  );
}
