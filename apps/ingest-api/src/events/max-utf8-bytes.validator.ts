import { ValidateBy, ValidationOptions } from 'class-validator';

/** The string must fit in `maxBytes` once encoded as UTF-8 (a character takes 1 to 4 bytes). */
export function MaxUtf8Bytes(maxBytes: number, reason: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxUtf8Bytes',
      constraints: [maxBytes],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && Buffer.byteLength(value) <= maxBytes,
        defaultMessage: () => `$property must be at most ${maxBytes} bytes in UTF-8 (${reason})`,
      },
    },
    options,
  );
}
