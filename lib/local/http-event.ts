/**
 * The event API Gateway's HTTP API sends a function's `live` alias for a request (payload format 2.0), built on this
 * machine for `npm run invoke -- <function> --http METHOD /path [body.json]`.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import { createHash } from 'crypto';
import type { HttpRouteConfig } from '../config/http-routes-config';

/** A route that matches a request, and the values of its path parameters. */
export interface RouteMatch {
  readonly route: HttpRouteConfig;
  readonly pathParameters: Record<string, string>;
}

/** The route of `routes` API Gateway would choose for `method path` (query string aside), if any. */
export function matchRoute(routes: readonly HttpRouteConfig[], method: string, path: string): RouteMatch | undefined {
  const segments = splitPath(path.split('?')[0]);
  const matches = routes.flatMap((route) => {
    if (route.method !== 'ANY' && route.method !== method) return [];
    const pathParameters = matchPath(splitPath(route.path), segments);
    return pathParameters ? [{ route, pathParameters }] : [];
  });
  // API Gateway prefers the most specific route: a method over ANY, fewer parameters, no greedy parameter.
  const score = (m: RouteMatch) =>
    (m.route.method === 'ANY' ? 1000 : 0) +
    Object.keys(m.pathParameters).length +
    (m.route.path.includes('+}') ? 100 : 0);
  return matches.sort((a, b) => score(a) - score(b))[0];
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchPath(route: string[], request: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (let i = 0; i < route.length; i++) {
    const segment = route[i];
    const greedy = /^\{(.+)\+\}$/.exec(segment);
    if (greedy) {
      if (i >= request.length) return undefined;
      parameters[greedy[1]] = request.slice(i).join('/');
      return parameters;
    }
    if (i >= request.length) return undefined;
    const parameter = /^\{(.+)\}$/.exec(segment);
    if (parameter) parameters[parameter[1]] = decodeURIComponent(request[i]);
    else if (segment !== request[i]) return undefined;
  }
  return route.length === request.length ? parameters : undefined;
}

/** Options of {@link httpApiEvent}. */
export interface HttpApiEventOptions {
  readonly match: RouteMatch;
  readonly method: string;
  /** The request's path, with its query string if any: `/orders/42?expand=lines`. */
  readonly path: string;
  /** The request's body, as sent. */
  readonly body?: string;
  /** @default 'application/json' when there is a body */
  readonly contentType?: string;
  /** @default - now */
  readonly time?: Date;
}

/** The payload 2.0 event of one request to the route `match` names. */
export function httpApiEvent(options: HttpApiEventOptions): Record<string, unknown> {
  const { match, method } = options;
  const [rawPath, rawQueryString = ''] = options.path.split(/\?(.*)/s);
  const time = options.time ?? new Date();
  const routeKey = `${match.route.method} ${match.route.path}`;
  const requestId = createHash('sha256').update(`${time.toISOString()} ${method} ${options.path}`).digest('hex');
  const headers: Record<string, string> = {
    accept: 'application/json',
    host: 'local.execute-api.localhost',
    'user-agent': 'npm run invoke',
    ...(options.body !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}),
  };
  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(query.keys())) queryStringParameters[key] = query.getAll(key).join(',');
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host,
      domainPrefix: 'local',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] },
      ...(match.route.authorization === 'iam'
        ? {
            authorizer: {
              iam: { accountId: '000000000000', callerId: 'LOCAL', userArn: 'arn:aws:iam::000000000000:user/local' },
            },
          }
        : {}),
      requestId: requestId.slice(0, 16),
      routeKey,
      stage: '$default',
      time: time.toUTCString(),
      timeEpoch: time.getTime(),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: false,
  };
}
