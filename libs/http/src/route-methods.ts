import { INestApplication } from '@nestjs/common';
import type { Express, Request } from 'express';
import { METHODS } from 'node:http';

interface RouterLayer {
  route?: { methods: Record<string, boolean | undefined> };
  match(path: string): unknown;
}

/** The methods some route answers for a request's path; empty when no route has that path. */
export type RouteMethods = (request: Request) => string[];

/**
 * Reads the app's registered routes, so a request that matched no route can tell "no such path" (404) from "not with
 * this method" (405). Express keeps the routes in its router; Nest has no public list of them.
 */
export function routeMethodsOf(app: INestApplication): RouteMethods {
  const express = app.getHttpAdapter().getInstance() as Express;
  return (request) => {
    const { stack } = express.router as unknown as { stack: RouterLayer[] };
    const methods = new Set<string>();
    for (const layer of stack) {
      const route = layer.route;
      // Nest mounts middleware (the request logger) as a route for every method: not an endpoint.
      const everyMethod =
        route !== undefined &&
        (route.methods._all === true || METHODS.every((method) => route.methods[method.toLowerCase()]));
      if (route !== undefined && !everyMethod && layer.match(request.path)) {
        Object.keys(route.methods).forEach((method) => methods.add(method.toUpperCase()));
      }
    }
    if (methods.has('GET')) {
      methods.add('HEAD');
    }
    return [...methods];
  };
}
