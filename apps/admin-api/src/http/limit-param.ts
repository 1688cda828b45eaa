import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** The largest `limit` accepted (and then clamped): v1 took it as a Java int, and anything longer is not a count. */
export const LIMIT_CEILING = 2_147_483_647;

export interface LimitBounds {
  fallback: number;
  max: number;
}

/**
 * A `limit` query parameter: decimal digits only (no sign, exponent or spaces), at most LIMIT_CEILING, blank = the
 * default. Anything else is a 400; a value outside [1, max] is clamped by `clampLimit`, not refused.
 */
export function LimitParam(bounds: LimitBounds): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: 'integer',
      minimum: 0,
      maximum: LIMIT_CEILING,
      default: bounds.fallback,
      description: `Clamped to [1, ${bounds.max}]`,
    }),
    Transform(({ value }: { value: unknown }) => {
      if (value === '') {
        return undefined;
      }
      return typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
    }),
    IsOptional(),
    IsInt({ message: '$property must be a non-negative integer' }),
    Min(0, { message: '$property must be a non-negative integer' }),
    Max(LIMIT_CEILING, { message: `$property must be at most ${LIMIT_CEILING}` }),
  );
}

export function clampLimit(value: number | undefined, bounds: LimitBounds): number {
  return Math.min(Math.max(value ?? bounds.fallback, 1), bounds.max);
}
