import { applyDecorators, Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';

export interface Envelope<T> {
  success: true;
  data: T;
}

export function ok<T>(data: T): Envelope<T> {
  return { success: true, data };
}

export class FieldErrorDto {
  @ApiProperty({ example: 'limit' })
  field: string;

  @ApiProperty({ example: 'limit must be a non-negative integer' })
  reason: string;

  @ApiPropertyOptional({ example: 'abc' })
  rejectedValue?: unknown;
}

export class ErrorBodyDto {
  @ApiProperty({ enum: [false] })
  success: false;

  @ApiProperty({ example: 'INVALID_REQUEST' })
  code: string;

  @ApiProperty({ example: '요청 값이 올바르지 않습니다.' })
  message: string;

  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
}

/** OpenAPI for an admin endpoint: bearer auth, `{success:true, data}` with `model` as data, 400 and 401. */
export function ApiAdminEndpoint(model: Type, options: { isArray?: boolean } = {}) {
  const data = options.isArray
    ? { type: 'array', items: { $ref: getSchemaPath(model) } }
    : { $ref: getSchemaPath(model) };
  return applyDecorators(
    ApiBearerAuth(),
    ApiExtraModels(model, ErrorBodyDto),
    ApiOkResponse({
      description: 'The answer in the `{success: true, data}` envelope',
      schema: {
        type: 'object',
        required: ['success', 'data'],
        properties: { success: { type: 'boolean', enum: [true] }, data },
      },
    }),
    ApiBadRequestResponse({ description: 'INVALID_REQUEST: a parameter is malformed or unknown', type: ErrorBodyDto }),
    ApiUnauthorizedResponse({
      description: 'UNAUTHORIZED: no `Authorization: Bearer <token>` of an ADMIN_TOKENS entry',
      type: ErrorBodyDto,
    }),
  );
}
