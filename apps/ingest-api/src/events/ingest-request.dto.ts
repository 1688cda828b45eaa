import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { MaxJsonBytes } from './max-json-bytes.validator';

export const MAX_PROPERTIES_BYTES = 16 * 1024;

export class ClientEventDto {
  @ApiProperty({
    maxLength: 64,
    description: 'Client-chosen id; a retry with the same id is a duplicate, not a new event',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  eventId: string;

  @ApiProperty({ maxLength: 100, example: 'ui.page.viewed' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  eventName: string;

  @ApiPropertyOptional({ maxLength: 20, default: 'v1' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(20)
  eventVersion?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Defaults to the server receive time' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  occurredAt?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'At most 16 KiB serialized' })
  @IsOptional()
  @IsObject()
  @MaxJsonBytes(MAX_PROPERTIES_BYTES)
  properties?: Record<string, unknown>;
}

export class ServerEventDto extends ClientEventDto {
  @ApiPropertyOptional({ maxLength: 64, description: 'Generated (UUID) when missing' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  declare eventId: string;

  @ApiPropertyOptional({ type: 'integer', nullable: true })
  @IsOptional()
  @IsInt()
  @IsPositive()
  memberId?: number | null;
}

export class ClientIngestRequestDto {
  @ApiPropertyOptional({ maxLength: 100, description: 'Wins over the X-Anonymous-Id header' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  anonymousId?: string;

  @ApiProperty({ type: [ClientEventDto], minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ClientEventDto)
  events: ClientEventDto[];
}

export class ServerIngestRequestDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  anonymousId?: string;

  @ApiProperty({ type: [ServerEventDto], minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ServerEventDto)
  events: ServerEventDto[];
}

export class IngestResultDto {
  @ApiProperty()
  acceptedCount: number;

  @ApiProperty({ description: 'Events whose eventId was already known; they are not stored again' })
  duplicateCount: number;
}
