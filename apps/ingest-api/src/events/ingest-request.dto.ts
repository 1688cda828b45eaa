import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Max,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { EVENT_FIELD_MAX_CHARS } from '@app/entities';
import { AMQP_SHORT_STRING_MAX_BYTES } from '@app/messaging';
import { MaxJsonBytes } from './max-json-bytes.validator';
import { MaxUtf8Bytes } from './max-utf8-bytes.validator';
import { IsNotBlank } from './not-blank.validator';
import { IsStorableInstant } from './storable-instant.validator';

export const MAX_PROPERTIES_BYTES = 16 * 1024;

/** eventId is the message's messageId, eventName its routing key and type: AMQP short strings (DESIGN §6). */
const MESSAGE_ID_REASON = 'it is the AMQP messageId';
const ROUTING_KEY_REASON = 'it is the AMQP routing key';
const {
  eventId: EVENT_ID_MAX,
  eventName: EVENT_NAME_MAX,
  eventVersion: EVENT_VERSION_MAX,
  anonymousId: ANONYMOUS_ID_MAX,
} = EVENT_FIELD_MAX_CHARS;
const SHORT_STRING_NOTE = `; at most ${AMQP_SHORT_STRING_MAX_BYTES} bytes in UTF-8, as it travels as an AMQP short string`;

export class ClientEventDto {
  @ApiProperty({
    maxLength: EVENT_ID_MAX,
    description: `Client-chosen id; a retry with the same id is a duplicate, not a new event${SHORT_STRING_NOTE}`,
  })
  @IsString()
  @IsNotBlank()
  @MaxLength(EVENT_ID_MAX)
  @MaxUtf8Bytes(AMQP_SHORT_STRING_MAX_BYTES, MESSAGE_ID_REASON)
  eventId: string;

  @ApiProperty({
    maxLength: EVENT_NAME_MAX,
    example: 'ui.page.viewed',
    description: `The event's name${SHORT_STRING_NOTE}`,
  })
  @IsString()
  @IsNotBlank()
  @MaxLength(EVENT_NAME_MAX)
  @MaxUtf8Bytes(AMQP_SHORT_STRING_MAX_BYTES, ROUTING_KEY_REASON)
  eventName: string;

  @ApiPropertyOptional({ maxLength: EVENT_VERSION_MAX, default: 'v1' })
  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(EVENT_VERSION_MAX)
  eventVersion?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Defaults to the server receive time' })
  @IsOptional()
  @IsString()
  @IsISO8601({ strict: true, strictSeparator: true })
  @IsStorableInstant()
  occurredAt?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'At most 16 KiB serialized' })
  @IsOptional()
  @IsObject()
  @MaxJsonBytes(MAX_PROPERTIES_BYTES)
  // The parsed JSON as sent: class-transformer's copy skips every key named like an Object method (toString, …).
  @Transform(({ obj }: { obj: { properties?: unknown } }) => obj.properties, { toClassOnly: true })
  properties?: Record<string, unknown>;
}

export class ServerEventDto extends ClientEventDto {
  @ApiPropertyOptional({ maxLength: EVENT_ID_MAX, description: `Generated (UUID) when missing${SHORT_STRING_NOTE}` })
  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(EVENT_ID_MAX)
  @MaxUtf8Bytes(AMQP_SHORT_STRING_MAX_BYTES, MESSAGE_ID_REASON)
  declare eventId: string;

  @ApiPropertyOptional({ type: 'integer', nullable: true })
  @IsOptional()
  @IsInt()
  @IsPositive()
  // Beyond 2^53 - 1 a JSON number is no longer the id that was sent, and the canonical event refuses it.
  @Max(Number.MAX_SAFE_INTEGER)
  memberId?: number | null;
}

export class ClientIngestRequestDto {
  @ApiPropertyOptional({ maxLength: ANONYMOUS_ID_MAX, description: 'Wins over the X-Anonymous-Id header' })
  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(ANONYMOUS_ID_MAX)
  anonymousId?: string;

  @ApiProperty({ type: [ClientEventDto], minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true, message: 'each item of $property must be an object' })
  @Type(() => ClientEventDto)
  events: ClientEventDto[];
}

export class ServerIngestRequestDto {
  @ApiPropertyOptional({ maxLength: ANONYMOUS_ID_MAX })
  @IsOptional()
  @IsString()
  @IsNotBlank()
  @MaxLength(ANONYMOUS_ID_MAX)
  anonymousId?: string;

  @ApiProperty({ type: [ServerEventDto], minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true, message: 'each item of $property must be an object' })
  @Type(() => ServerEventDto)
  events: ServerEventDto[];
}

export class IngestResultDto {
  @ApiProperty({
    description:
      'Every event of the request, duplicates included (the request is accepted whole); newly stored = ' +
      'acceptedCount - duplicateCount',
  })
  acceptedCount: number;

  @ApiProperty({ description: 'Events whose eventId was already known; they are not stored again' })
  duplicateCount: number;
}
