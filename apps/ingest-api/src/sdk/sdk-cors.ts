import { HttpApp } from '@app/http';
import { isSdkPath } from './sdk-routes';

/** Chromium caps a preflight's cache at 2 hours. */
const PREFLIGHT_MAX_AGE_SECONDS = 7_200;

/**
 * CORS on the SDK routes only (@fastify/cors, through Nest's onRequest hook, so errors carry the headers too). An
 * allowed Origin is echoed with `Access-Control-Allow-Credentials: true`, as PostHog's capture does: posthog-js sends
 * with credentials (XHR `withCredentials`), which a literal `*` would fail. A request without an Origin gets `*`.
 * `origins` is `ANALYTICS_INGEST_CORS_ORIGINS`: `*` for any, or a list.
 */
export function useSdkCors(app: HttpApp, origins: readonly string[]): void {
  const anyOrigin = origins.includes('*');
  app.enableCors({
    delegator: (request, callback) => {
      if (!isSdkPath(request.raw.url)) {
        callback(null, { origin: false });
        return;
      }
      const origin = request.headers.origin;
      if (origin === undefined) {
        callback(null, { origin: '*' });
        return;
      }
      callback(null, {
        origin: anyOrigin || origins.includes(origin) ? origin : false,
        credentials: true,
        methods: ['POST'],
        maxAge: PREFLIGHT_MAX_AGE_SECONDS,
      });
    },
  });
}
