/**
 * The HTTP API event `npm run invoke -- <function> --http METHOD /path` sends a handler: the route API Gateway would
 * choose, and the payload 2.0 shape it would send.
 */
import { httpApiEvent, matchRoute } from '../lib/local/http-event';
import type { HttpRouteConfig } from '../lib/config/http-routes-config';

const ROUTES: HttpRouteConfig[] = [
  { method: 'POST', path: '/orders', authorization: 'iam' },
  { method: 'GET', path: '/orders/{id}', authorization: 'iam' },
  { method: 'GET', path: '/orders/latest', authorization: 'none' },
  { method: 'ANY', path: '/files/{path+}', authorization: 'none' },
];

describe('matchRoute', () => {
  test.each([
    ['POST', '/orders', 'POST /orders', {}],
    ['GET', '/orders/42', 'GET /orders/{id}', { id: '42' }],
    ['GET', '/orders/latest?x=1', 'GET /orders/latest', {}],
    ['DELETE', '/files/a/b.txt', 'ANY /files/{path+}', { path: 'a/b.txt' }],
  ])('%s %s goes to %s', (method, path, routeKey, parameters) => {
    const match = matchRoute(ROUTES, method, path)!;
    expect(`${match.route.method} ${match.route.path}`).toBe(routeKey);
    expect(match.pathParameters).toEqual(parameters);
  });

  test.each([
    ['GET', '/orders'],
    ['POST', '/orders/42'],
    ['GET', '/files'],
    ['GET', '/orders/42/lines'],
  ])('%s %s matches no route', (method, path) => {
    expect(matchRoute(ROUTES, method, path)).toBeUndefined();
  });
});

describe('httpApiEvent', () => {
  const time = new Date('2026-11-21T06:00:00Z');

  test('is the payload 2.0 event of the request, its body as sent', () => {
    const event = httpApiEvent({
      match: matchRoute(ROUTES, 'POST', '/orders')!,
      method: 'POST',
      path: '/orders?dryRun=true&tag=a&tag=b',
      body: '{"customer": "c-1"}',
      time,
    });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /orders',
      rawPath: '/orders',
      rawQueryString: 'dryRun=true&tag=a&tag=b',
      queryStringParameters: { dryRun: 'true', tag: 'a,b' },
      headers: { 'content-type': 'application/json' },
      requestContext: {
        http: { method: 'POST', path: '/orders' },
        routeKey: 'POST /orders',
        stage: '$default',
        timeEpoch: time.getTime(),
        authorizer: { iam: expect.objectContaining({ accountId: '000000000000' }) },
      },
      body: '{"customer": "c-1"}',
      isBase64Encoded: false,
    });
    expect(event.pathParameters).toBeUndefined();
  });

  test('has path parameters, and neither body nor content type nor authorizer where there are none', () => {
    const event = httpApiEvent({
      match: matchRoute(ROUTES, 'GET', '/orders/latest')!,
      method: 'GET',
      path: '/orders/latest',
      time,
    }) as any;
    expect(event.body).toBeUndefined();
    expect(event.headers['content-type']).toBeUndefined();
    expect(event.requestContext.authorizer).toBeUndefined();
    expect(event.queryStringParameters).toBeUndefined();
    const withId = httpApiEvent({ match: matchRoute(ROUTES, 'GET', '/orders/42')!, method: 'GET', path: '/orders/42' });
    expect(withId.pathParameters).toEqual({ id: '42' });
  });
});
