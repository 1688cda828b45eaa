import type { FastifyRequest } from 'fastify';
import { SNIFFED_BODY } from '@app/http';
import { IngestRoute } from '@app/observability';
import { SegmentType } from './segment-batch';

export type SdkRoute = Exclude<IngestRoute, 'native'>;

/** posthog-js (`/e`, `/i/v0/e`): it drops a batch answered 429, so a rate limit answers 200 `quota_limited`. */
export const POSTHOG_BROWSER_PATHS = ['e', 'i/v0/e'];
/** posthog-node, posthog-js-lite and other PostHog clients. */
export const POSTHOG_PATHS = ['batch', 'capture', 'track'];
export const SEGMENT_BATCH_PATH = 'v1/batch';
export const SEGMENT_CALL_TYPES: readonly SegmentType[] = ['track', 'identify', 'page', 'screen', 'group', 'alias'];
export const SEGMENT_CALL_PATHS = SEGMENT_CALL_TYPES.map((type) => `v1/${type}`);

const SDK_PATHS = new Set(
  [...POSTHOG_BROWSER_PATHS, ...POSTHOG_PATHS, SEGMENT_BATCH_PATH, ...SEGMENT_CALL_PATHS].map((path) => `/${path}`),
);

/** Fastify route config of an SDK route: any media type (see SNIFFED_BODY), and the route label of its metrics. */
export function sdkRouteConfig(route: SdkRoute): Record<string, unknown> {
  return { ...SNIFFED_BODY, ingestRoute: route };
}

/** The `route` label of a request: the SDK route it was sent to, else `native`. */
export function ingestRouteOf(request: FastifyRequest | undefined): IngestRoute {
  const route = (request?.routeOptions.config as { ingestRoute?: SdkRoute } | undefined)?.ingestRoute;
  return route ?? 'native';
}

/** Whether a URL is one of the SDK routes, as the router matches paths (any letter case, an optional trailing slash). */
export function isSdkPath(url: string | undefined): boolean {
  const path = (url ?? '/')
    .split('?')[0]
    .toLowerCase()
    .replace(/(.)\/$/, '$1');
  return SDK_PATHS.has(path);
}

/** The Segment call of a `/v1/<call>` path. */
export function segmentCallOf(path: string | undefined): SegmentType | null {
  const call = (path ?? '').split('/').pop()?.toLowerCase();
  return SEGMENT_CALL_TYPES.find((type) => type === call) ?? null;
}
