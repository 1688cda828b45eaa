import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The methods some route answers for a request's path; empty when no route has that path. */
export type RouteMethods = (request: FastifyRequest) => string[];

interface KnownRoute {
  pattern: RegExp;
  methods: string[];
}

/** A Fastify route path as a RegExp: `:name` is one path segment, `*` anything. */
function patternOf(url: string): RegExp {
  const source = url
    .split(/(:[A-Za-z0-9_]+|\*)/)
    .map((part) => {
      if (part === '*') {
        return '.*';
      }
      return part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}/?$`, 'i');
}

/**
 * Records the app's routes as they are registered, so a request that matched no route can tell "no such path" (404)
 * from "not with this method" (405). Fastify has no lookup by concrete path and method set; Nest no public list.
 * Must run before the app registers its routes (`configureApp` does, before `init`).
 */
export function routeMethodsOf(fastify: FastifyInstance): RouteMethods {
  const routes: KnownRoute[] = [];
  fastify.addHook('onRoute', (route) => {
    // A catch-all (the CORS preflight's `OPTIONS *`) says nothing about which paths exist.
    if ((route.url ?? route.path) === '*') {
      return;
    }
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((method) => method.toUpperCase());
    routes.push({ pattern: patternOf(route.url ?? route.path), methods });
  });
  return (request) => {
    const path = (request.raw.url ?? '/').split('?')[0];
    const methods = new Set<string>();
    for (const route of routes) {
      if (route.pattern.test(path)) {
        route.methods.forEach((method) => methods.add(method));
      }
    }
    if (methods.has('GET')) {
      methods.add('HEAD');
    }
    return [...methods];
  };
}
