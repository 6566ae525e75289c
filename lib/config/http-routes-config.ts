/**
 * `config.functions.<name>.http`: the routes of the function stack's HTTP API to a function, and the check that no two
 * functions of a stack claim the same route.
 */
import type { Checker } from './checker';

/** HTTP methods a route may name; `ANY` matches every method. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Who may call a route: signed requests of IAM principals allowed `execute-api:Invoke` on it, or anyone. */
export const HTTP_AUTHORIZATIONS = ['iam', 'none'] as const;
export type HttpAuthorization = (typeof HTTP_AUTHORIZATIONS)[number];

/** One route of the function stack's HTTP API to the function's `live` alias. */
export interface HttpRouteConfig {
  readonly method: HttpMethod;
  /** Starts with `/`; `{name}` segments are path parameters, a last `{name+}` takes the rest of the path. */
  readonly path: string;
  readonly authorization: HttpAuthorization;
}

const PATH_SEGMENT = /^([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\}|\{[A-Za-z_][A-Za-z0-9_]*\+\})$/;

/** Parses `config.functions.<name>.http` (at `at`): the valid routes, each problem reported. */
export function parseHttp(c: Checker, raw: unknown, at: string): HttpRouteConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    c.problem(
      at,
      raw,
      'is not a list',
      'write a list of routes, e.g. [{ "route": "POST /orders", "authorization": "iam" }]',
    );
    return [];
  }
  const routes: HttpRouteConfig[] = [];
  raw.forEach((value, i) => {
    const itemAt = `${at}[${i}]`;
    const r = c.object(
      value,
      itemAt,
      'write each route as { "route": "METHOD /path", "authorization": "iam" or "none" }',
    );
    if (!r) return;
    c.knownKeys(r, itemAt, ['route', 'authorization']);
    const route = parseRoute(c, r.route, `${itemAt}.route`);
    const authorization =
      r.authorization === undefined
        ? (c.problem(
            `${itemAt}.authorization`,
            undefined,
            'is missing: a route is never public by default',
            'write "iam" (callers sign their requests with SigV4 and need execute-api:Invoke on the route) or "none" (anyone on the internet may call it)',
          ),
          undefined)
        : c.oneOf(r.authorization, `${itemAt}.authorization`, HTTP_AUTHORIZATIONS);
    if (route && authorization) routes.push({ ...route, authorization });
  });
  const seen = new Map<string, number>();
  routes.forEach((r, i) => {
    const key = routeKeyShape(r);
    if (seen.has(key)) {
      c.problem(
        `${at}[${i}].route`,
        `${r.method} ${r.path}`,
        `repeats ${at}[${seen.get(key)}]`,
        'list each route once',
      );
    } else seen.set(key, i);
  });
  return routes;
}

function parseRoute(c: Checker, raw: unknown, at: string): Pick<HttpRouteConfig, 'method' | 'path'> | undefined {
  const example = 'write "METHOD /path", e.g. "POST /orders" or "GET /orders/{id}"';
  if (typeof raw !== 'string') {
    c.problem(at, raw, raw === undefined ? 'is missing' : 'is not a text', example);
    return undefined;
  }
  const match = /^(\S+) (\S+)$/.exec(raw);
  if (!match) {
    c.problem(at, raw, 'is not "METHOD /path"', example);
    return undefined;
  }
  const [, method, path] = match;
  let ok = true;
  if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    ok = false;
    c.problem(
      at,
      raw,
      `has the method "${method}", which is not an HTTP method API Gateway routes`,
      `use one of ${HTTP_METHODS.join(', ')} (upper case)`,
    );
  }
  const problem = pathProblem(path);
  if (problem) {
    ok = false;
    c.problem(at, raw, `has the path "${path}", which ${problem.message}`, problem.fix);
  }
  return ok ? { method: method as HttpMethod, path } : undefined;
}

function pathProblem(path: string): { message: string; fix: string } | undefined {
  if (!path.startsWith('/')) {
    return { message: 'does not start with "/"', fix: `write the path from the root, "/${path}"` };
  }
  if (path === '/') return undefined;
  if (path.endsWith('/')) {
    return { message: 'ends with "/"', fix: `leave the trailing slash out, "${path.replace(/\/+$/, '')}"` };
  }
  const segments = path.slice(1).split('/');
  const bad = segments.find((s) => !PATH_SEGMENT.test(s));
  if (bad !== undefined) {
    return {
      message: `has the segment "${bad}"`,
      fix: 'use letters, digits and . _ ~ - in each segment, or {name} for a path parameter',
    };
  }
  if (segments.slice(0, -1).some((s) => s.endsWith('+}'))) {
    return { message: 'has a greedy {name+} parameter before its end', fix: 'put {name+} last, or use {name}' };
  }
  const names = segments.filter((s) => s.startsWith('{')).map((s) => s.replace(/[{}+]/g, ''));
  if (new Set(names).size !== names.length) {
    return { message: 'names a path parameter twice', fix: 'give each path parameter its own name' };
  }
  return undefined;
}

/** What makes two routes the same to API Gateway: the method and the path, whatever its parameters are called. */
export function routeKeyShape(route: Pick<HttpRouteConfig, 'method' | 'path'>): string {
  return `${route.method} ${route.path.replace(/\{[^}]*?(\+?)\}/g, '{$1}')}`;
}

/** A function of the configuration, as the route check sees it. */
export interface RoutedFunction {
  readonly name: string;
  readonly stack: string;
  readonly http: readonly HttpRouteConfig[];
}

/**
 * Reports each route that two functions of the same stack claim: one HTTP API serves a stack, and it sends a request
 * to one function only. (Functions of different stacks are behind different APIs.)
 */
export function routeConflicts(c: Checker, functions: readonly RoutedFunction[]): void {
  const claimed = new Map<string, string>();
  for (const fn of functions) {
    fn.http.forEach((route, i) => {
      const key = `${fn.stack} ${routeKeyShape(route)}`;
      const at = `config.functions.${fn.name}.http[${i}].route`;
      const first = claimed.get(key);
      if (first && !first.startsWith(`config.functions.${fn.name}.`)) {
        c.problem(
          at,
          `${route.method} ${route.path}`,
          `is also claimed by ${first} (stack "${fn.stack}" has one HTTP API, which routes a request to one function)`,
          'give one of the two routes another method or path, or move one function to another stack',
        );
      } else if (!first) claimed.set(key, at);
    });
  }
}
