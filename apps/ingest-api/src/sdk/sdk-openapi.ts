import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiResponse } from '@nestjs/swagger';

const UNAVAILABLE =
  'ANALYTICS_INGEST_UNAVAILABLE, with Retry-After: the commit failed or timed out; nothing is stored (SDKs retry)';

/** What every SDK route accepts and answers, besides its own 200 body. */
export function SdkRouteDocs(options: { body: string; ok: object; rateLimited: string }): MethodDecorator {
  return applyDecorators(
    ApiConsumes('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
    ApiBody({
      description:
        `${options.body}. Any Content-Type; gzip by Content-Encoding or by its magic bytes; deflate and br by ` +
        'Content-Encoding; or a form with data=<JSON or base64 JSON>. Query parameters are ignored.',
      schema: {
        oneOf: [
          { type: 'object', additionalProperties: true },
          { type: 'array', items: { type: 'object' } },
        ],
      },
    }),
    ApiResponse({
      status: 200,
      description:
        'Committed to the source outbox (known ids are not stored again); events that are invalid or not in the ' +
        'allowlist are skipped and counted in analytics_user_activity_ingest_events_total{result}',
      schema: { type: 'object', example: options.ok },
    }),
    ApiResponse({ status: 400, description: 'INVALID_REQUEST: nothing in the body can be read' }),
    ApiResponse({
      status: 401,
      description: 'ANALYTICS_INGEST_SDK_KEY_INVALID: no key, or one not in ANALYTICS_INGEST_SDK_KEYS',
    }),
    ApiResponse({ status: 413, description: 'Over ANALYTICS_INGEST_SDK_MAX_BODY_BYTES after decompression' }),
    ApiResponse({ status: 429, description: options.rateLimited }),
    ApiResponse({ status: 503, description: UNAVAILABLE }),
  );
}
