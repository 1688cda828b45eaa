import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsEventName, IsWindow } from './policy-input.validators';

export const MAX_REQUESTS_CEILING = 1_000_000_000;
export const ALLOWLIST_MAX_NAMES = 1_000;

export class CallerRateLimitInputDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_REQUESTS_CEILING, example: 240 })
  @IsInt({ message: '$property must be an integer' })
  @Min(1, { message: '$property must be at least 1' })
  @Max(MAX_REQUESTS_CEILING, { message: `$property must be at most ${MAX_REQUESTS_CEILING}` })
  maxRequests: number;

  @ApiPropertyOptional({ example: 'PT1M', description: 'ISO-8601 duration, PT1S to P7D; unchanged when left out' })
  @IsOptional()
  @IsString()
  @IsWindow()
  window?: string;
}

export class NetworkRateLimitInputDto {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_REQUESTS_CEILING, example: 6000, description: '0 = off' })
  @IsInt({ message: '$property must be an integer' })
  @Min(0, { message: '$property must be at least 0 (0 turns the per-network limit off)' })
  @Max(MAX_REQUESTS_CEILING, { message: `$property must be at most ${MAX_REQUESTS_CEILING}` })
  maxRequests: number;

  @ApiPropertyOptional({ example: 'PT1M', description: 'ISO-8601 duration, PT1S to P7D; unchanged when left out' })
  @IsOptional()
  @IsString()
  @IsWindow()
  window?: string;
}

export class IngestPolicyOverrideInputDto {
  @ApiPropertyOptional({ type: CallerRateLimitInputDto, description: 'The per-caller limit until `until`' })
  @IsOptional()
  @ValidateNested({ message: '$property must be an object' })
  @Type(() => CallerRateLimitInputDto)
  rateLimit?: CallerRateLimitInputDto;

  @ApiPropertyOptional({ type: NetworkRateLimitInputDto, description: 'The per-network limit until `until`' })
  @IsOptional()
  @ValidateNested({ message: '$property must be an object' })
  @Type(() => NetworkRateLimitInputDto)
  ipRateLimit?: NetworkRateLimitInputDto;

  @ApiProperty({
    format: 'date-time',
    example: '2026-01-01T12:00:00Z',
    description: 'ISO-8601 instant with its offset, within the next 7 days; the base limits apply again from then',
  })
  @IsString()
  until: string;
}

/** PUT body: each part given replaces its current value; the parts left out stay as they are. */
export class IngestPolicyUpdateDto {
  @ApiPropertyOptional({
    type: [String],
    maxItems: ALLOWLIST_MAX_NAMES,
    example: ['ui.page.viewed', 'ui.checkout.completed'],
    description: 'The whole allowlist (replaces the current one): client event names, unique',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(ALLOWLIST_MAX_NAMES)
  @ArrayUnique({ message: '$property must not repeat a name' })
  @IsEventName({ each: true })
  allowlist?: string[];

  @ApiPropertyOptional({ type: CallerRateLimitInputDto, description: 'The base per-caller limit' })
  @IsOptional()
  @ValidateNested({ message: '$property must be an object' })
  @Type(() => CallerRateLimitInputDto)
  rateLimit?: CallerRateLimitInputDto;

  @ApiPropertyOptional({ type: NetworkRateLimitInputDto, description: 'The base per-network limit' })
  @IsOptional()
  @ValidateNested({ message: '$property must be an object' })
  @Type(() => NetworkRateLimitInputDto)
  ipRateLimit?: NetworkRateLimitInputDto;

  @ApiPropertyOptional({
    type: IngestPolicyOverrideInputDto,
    nullable: true,
    description: 'A temporary override (runbook §9-1 임시 상향) that ends by itself at `until`; null ends it now',
  })
  @IsOptional()
  @ValidateNested({ message: '$property must be an object or null' })
  @Type(() => IngestPolicyOverrideInputDto)
  override?: IngestPolicyOverrideInputDto | null;

  @ApiProperty({ maxLength: 500, example: '§9-1: campaign traffic, raise for 2 h (INC-123)' })
  @IsString()
  @Matches(/\S/, { message: '$property must not be blank' })
  @MaxLength(500)
  reason: string;
}

export class RateLimitViewDto {
  @ApiProperty({ description: 'Requests per window (per-network: 0 = off)' })
  maxRequests: number;

  @ApiProperty({ example: 'PT1M' })
  window: string;

  @ApiProperty({ example: 60000 })
  windowMs: number;
}

export class IngestPolicyValuesDto {
  @ApiProperty({ type: [String] })
  allowlist: string[];

  @ApiProperty({ type: RateLimitViewDto, description: 'Per caller (member id or anonymous id)' })
  rateLimit: RateLimitViewDto;

  @ApiProperty({ type: RateLimitViewDto, description: 'Per client network (IPv4 address, IPv6 /64)' })
  ipRateLimit: RateLimitViewDto;
}

export class IngestPolicyOverrideViewDto {
  @ApiPropertyOptional({ type: RateLimitViewDto })
  rateLimit?: RateLimitViewDto;

  @ApiPropertyOptional({ type: RateLimitViewDto })
  ipRateLimit?: RateLimitViewDto;

  @ApiProperty({ format: 'date-time', description: 'When the override ends by itself' })
  until: string;
}

export class IngestPolicyViewDto {
  @ApiProperty({ description: 'Grows by one with every change' })
  version: number;

  @ApiProperty({ type: IngestPolicyValuesDto, description: 'What every ingest-api replica applies now' })
  effective: IngestPolicyValuesDto;

  @ApiProperty({ type: IngestPolicyValuesDto, description: 'The values that apply when no override is active' })
  base: IngestPolicyValuesDto;

  @ApiProperty({
    type: IngestPolicyOverrideViewDto,
    nullable: true,
    description: 'The active temporary override; null when there is none or it has expired',
  })
  override: IngestPolicyOverrideViewDto | null;

  @ApiProperty({ description: 'The admin token name of the last change, or `environment` for the seed' })
  updatedBy: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}
