/**
 * The configuration of what calls a function and how it runs in production: parsed with its defaults, and every
 * mistake reported at once, naming the setting, the value and the fix.
 */
import { parseConfig } from '../lib/config/app-config';
import { scheduleExpressionProblem } from '../lib/config/schedule-expression';
import { baseConfig, configErrorOf, FIXTURE_ROOT } from './helpers';

type RawConfig = ReturnType<typeof baseConfig>;

function problemsOf(change: (c: RawConfig) => void, services?: readonly string[]) {
  const config = baseConfig();
  change(config);
  const error = configErrorOf(() =>
    parseConfig(config, {
      projectRoot: FIXTURE_ROOT,
      ...(services ? { services: { module: 'lib/services/index.ts', stacks: services } } : {}),
    }),
  );
  return error;
}

describe('event sources and production settings', () => {
  test("parses the fixture's routes, schedule and queue, with their defaults", () => {
    const { functions } = parseConfig(baseConfig(), { projectRoot: FIXTURE_ROOT });
    const byName = new Map(functions.map((f) => [f.name, f]));
    expect(byName.get('price-order')).toMatchObject({
      http: [
        { method: 'POST', path: '/orders', authorization: 'iam' },
        { method: 'GET', path: '/orders/{id}', authorization: 'iam' },
      ],
      tracing: true,
      onFailure: false,
      logLevel: 'DEBUG',
    });
    expect(byName.get('health-check')).toMatchObject({
      http: [{ method: 'GET', path: '/health', authorization: 'none' }],
      tracing: false,
    });
    expect(byName.get('daily-report')).toMatchObject({
      http: [],
      schedule: {
        expression: 'cron(0 6 * * ? *)',
        timezone: 'Europe/Paris',
        retryAttempts: 2,
        maxEventAgeSeconds: 3600,
      },
      // Six times the 60-second timeout, plus no batching window.
      queue: { batchSize: 5, maxBatchingWindowSeconds: 0, maxReceiveCount: 3, visibilityTimeoutSeconds: 360 },
      reservedConcurrency: 2,
      // Invoked asynchronously by its schedule: its failures are kept.
      onFailure: true,
    });
    expect(byName.get('price-order')!.schedule).toBeUndefined();
    expect(byName.get('price-order')!.reservedConcurrency).toBeUndefined();
  });

  test('keeps a visibility timeout that is long enough, and the on-failure queue off when asked', () => {
    const config = baseConfig();
    config.functions['daily-report'].queue = {
      batchSize: 100,
      maxBatchingWindowSeconds: 5,
      visibilityTimeoutSeconds: 900,
    };
    config.functions['daily-report'].onFailure = false;
    const daily = parseConfig(config, { projectRoot: FIXTURE_ROOT }).functions.find((f) => f.name === 'daily-report')!;
    expect(daily.queue).toEqual({
      batchSize: 100,
      maxBatchingWindowSeconds: 5,
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 900,
    });
    expect(daily.onFailure).toBe(false);
  });

  test('reports every bad input of the issue at once, each naming the setting, the value and the fix', () => {
    const error = problemsOf(
      (c) => {
        const price = c.functions['price-order'];
        price.http = [
          { route: 'POST /orders', authorization: 'iam' },
          { route: 'FETCH /orders/{id}', authorization: 'iam' },
          { route: 'GET orders', authorization: 'iam' },
        ];
        price.schedule = { expression: 'rate(1 days)' };
        c.functions['health-check'].http = [{ route: 'POST /orders', authorization: 'none' }];
        c.functions['daily-report'].schedule = { expression: 'cron(0 6 * * *)' };
        c.functions['daily-report'].queue = { batchSize: 20000 };
      },
      ['orders', 'reports', 'billing'],
    );

    expect(error.problems.map((p) => ({ setting: p.setting, value: p.value, message: p.message }))).toEqual([
      {
        setting: 'config.functions.price-order.http[1].route',
        value: 'FETCH /orders/{id}',
        message: 'has the method "FETCH", which is not an HTTP method API Gateway routes',
      },
      {
        setting: 'config.functions.price-order.http[2].route',
        value: 'GET orders',
        message: 'has the path "orders", which does not start with "/"',
      },
      {
        setting: 'config.functions.price-order.schedule.expression',
        value: 'rate(1 days)',
        message: 'needs the singular unit for 1 ("rate(1 day)")',
      },
      {
        setting: 'config.functions.daily-report.schedule.expression',
        value: 'cron(0 6 * * *)',
        message: 'has 5 field(s), not the 6 of "cron(minutes hours day-of-month month day-of-week year)"',
      },
      {
        setting: 'config.functions.daily-report.queue.batchSize',
        value: 20000,
        message: 'is not a whole number of messages from 1 to 10000',
      },
      {
        setting: 'config.functions.health-check.http[0].route',
        value: 'POST /orders',
        message:
          'is also claimed by config.functions.price-order.http[0].route (stack "orders" has one HTTP API, which routes a request to one function)',
      },
      {
        setting: 'lib/services/index.ts: SERVICES["billing"]',
        value: undefined,
        message: 'is a service module for the stack "billing", which no function of config.functions is in',
      },
    ]);
    const [heading, ...lines] = error.message.split('\n');
    expect(heading).toBe('The configuration has 7 problems:');
    expect(lines).toEqual([
      '  - config.functions.price-order.http[1].route = "FETCH /orders/{id}" has the method "FETCH", which is not an HTTP method API Gateway routes. Fix: use one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY (upper case).',
      '  - config.functions.price-order.http[2].route = "GET orders" has the path "orders", which does not start with "/". Fix: write the path from the root, "/orders".',
      '  - config.functions.price-order.schedule.expression = "rate(1 days)" needs the singular unit for 1 ("rate(1 day)"). Fix: write "rate(<n> minute(s)|hour(s)|day(s))" or "cron(minutes hours day-of-month month day-of-week year)" with "?" in one day field, e.g. "cron(0 6 * * ? *)".',
      '  - config.functions.daily-report.schedule.expression = "cron(0 6 * * *)" has 5 field(s), not the 6 of "cron(minutes hours day-of-month month day-of-week year)". Fix: write "rate(<n> minute(s)|hour(s)|day(s))" or "cron(minutes hours day-of-month month day-of-week year)" with "?" in one day field, e.g. "cron(0 6 * * ? *)".',
      '  - config.functions.daily-report.queue.batchSize = 20000 is not a whole number of messages from 1 to 10000. Fix: set a whole number from 1 to 10000.',
      '  - config.functions.health-check.http[0].route = "POST /orders" is also claimed by config.functions.price-order.http[0].route (stack "orders" has one HTTP API, which routes a request to one function). Fix: give one of the two routes another method or path, or move one function to another stack.',
      '  - lib/services/index.ts: SERVICES["billing"] is a service module for the stack "billing", which no function of config.functions is in. Fix: register it under one of the stacks "orders", "reports", give a function "stack": "billing", or remove the entry.',
    ]);
  });

  test.each<[string, (c: RawConfig) => void, { setting: string; message: string }[]]>([
    [
      'a route without authorization',
      (c) => (c.functions['health-check'].http = [{ route: 'GET /health' }]),
      [
        {
          setting: 'config.functions.health-check.http[0].authorization',
          message: 'is missing: a route is never public by default',
        },
      ],
    ],
    [
      'an authorization that is neither iam nor none',
      (c) => (c.functions['health-check'].http = [{ route: 'GET /health', authorization: 'cognito' }]),
      [{ setting: 'config.functions.health-check.http[0].authorization', message: 'is not one of the allowed values' }],
    ],
    [
      'a lower-case method, a trailing slash, a bad segment, a greedy parameter before the end',
      (c) =>
        (c.functions['price-order'].http = [
          { route: 'post /orders', authorization: 'iam' },
          { route: 'GET /orders/', authorization: 'iam' },
          { route: 'GET /orders/a b', authorization: 'iam' },
          { route: 'GET /{path+}/x', authorization: 'iam' },
        ]),
      [
        {
          setting: 'config.functions.price-order.http[0].route',
          message: 'has the method "post", which is not an HTTP method API Gateway routes',
        },
        {
          setting: 'config.functions.price-order.http[1].route',
          message: 'has the path "/orders/", which ends with "/"',
        },
        { setting: 'config.functions.price-order.http[2].route', message: 'is not "METHOD /path"' },
        {
          setting: 'config.functions.price-order.http[3].route',
          message: 'has the path "/{path+}/x", which has a greedy {name+} parameter before its end',
        },
      ],
    ],
    [
      'the same route twice in one function, whatever its parameters are called',
      (c) =>
        (c.functions['price-order'].http = [
          { route: 'GET /orders/{id}', authorization: 'iam' },
          { route: 'GET /orders/{orderId}', authorization: 'iam' },
        ]),
      [
        {
          setting: 'config.functions.price-order.http[1].route',
          message: 'repeats config.functions.price-order.http[0]',
        },
      ],
    ],
    [
      'a misspelt setting of a function, a route, a schedule and a queue',
      (c) => {
        c.functions['health-check'].shedule = { expression: 'rate(1 day)' };
        c.functions['health-check'].http[0].auth = 'iam';
        c.functions['daily-report'].schedule.timeZone = 'UTC';
        c.functions['daily-report'].queue.batch = 5;
      },
      [
        { setting: 'config.functions.health-check.shedule', message: 'is not a setting here' },
        { setting: 'config.functions.health-check.http[0].auth', message: 'is not a setting here' },
        { setting: 'config.functions.daily-report.schedule.timeZone', message: 'is not a setting here' },
        { setting: 'config.functions.daily-report.queue.batch', message: 'is not a setting here' },
      ],
    ],
    [
      'an unknown time zone, retries and event age out of range, an input that is no object',
      (c) =>
        (c.functions['daily-report'].schedule = {
          expression: 'rate(1 day)',
          timezone: 'Europe/Atlantis',
          retryAttempts: 200,
          maxEventAgeSeconds: 30,
          input: 'today',
        }),
      [
        { setting: 'config.functions.daily-report.schedule.timezone', message: 'is not an IANA time zone' },
        { setting: 'config.functions.daily-report.schedule.input', message: 'is not an object' },
        {
          setting: 'config.functions.daily-report.schedule.retryAttempts',
          message: 'is not a whole number of retries from 0 to 185',
        },
        {
          setting: 'config.functions.daily-report.schedule.maxEventAgeSeconds',
          message: 'is not a whole number of seconds from 60 to 86400',
        },
      ],
    ],
    [
      'a batch above 10 without a batching window, and a visibility timeout shorter than six function timeouts',
      (c) => (c.functions['daily-report'].queue = { batchSize: 50, visibilityTimeoutSeconds: 120 }),
      [
        {
          setting: 'config.functions.daily-report.queue.batchSize',
          message: 'is above 10 without a batching window, which Lambda refuses for SQS',
        },
        {
          setting: 'config.functions.daily-report.queue.visibilityTimeoutSeconds',
          message:
            "is below six times the function's timeout plus the batching window (360 s): a message would be received again while a call still works on it",
        },
      ],
    ],
    [
      'a reserved concurrency of 0, tracing that is no boolean, an unknown log level',
      (c) => {
        c.functions['price-order'].reservedConcurrency = 0;
        c.functions['price-order'].tracing = 'yes';
        c.functions['price-order'].logLevel = 'VERBOSE';
      },
      [
        { setting: 'config.functions.price-order.tracing', message: 'is not a boolean' },
        {
          setting: 'config.functions.price-order.reservedConcurrency',
          message: 'is not a whole number of executions from 1 to 10000',
        },
        { setting: 'config.functions.price-order.logLevel', message: 'is not one of the allowed values' },
      ],
    ],
  ])('rejects %s', (_name, change, expected) => {
    const error = problemsOf(change);
    expect(error.problems.map((p) => ({ setting: p.setting, message: p.message }))).toEqual(expected);
    for (const p of error.problems) expect(p.fix.length).toBeGreaterThan(10);
  });

  test('a route claimed in two stacks is two routes of two APIs, not a conflict', () => {
    const config = baseConfig();
    config.functions['daily-report'].http = [{ route: 'GET /health', authorization: 'iam' }];
    expect(() => parseConfig(config, { projectRoot: FIXTURE_ROOT })).not.toThrow();
  });
});

describe('schedule expressions', () => {
  test.each([
    'rate(1 minute)',
    'rate(15 minutes)',
    'rate(1 hour)',
    'rate(2 days)',
    'cron(0 6 * * ? *)',
    'cron(0/15 8-17 ? * MON-FRI *)',
    'cron(30 2 L * ? 2026-2030)',
    'cron(0 12 ? JAN,JUL 6#2 *)',
    'cron(0 0 15W * ? *)',
  ])('accepts %s', (expression) => {
    expect(scheduleExpressionProblem(expression)).toBeUndefined();
  });

  test.each([
    ['rate(0 minutes)', 'has a rate below 1'],
    ['rate(5 minute)', 'needs the plural unit above 1 ("rate(5 minutes)")'],
    ['rate(1 week)', 'is not "rate(<whole number> <minute(s)|hour(s)|day(s)>)"'],
    ['every day', 'is neither a rate(...) nor a cron(...) expression'],
    ['cron(0 6 * * * *)', 'must have "?" in exactly one of day-of-month (3rd field) and day-of-week (5th field)'],
    ['cron(0 6 ? * ? *)', 'must have "?" in exactly one of day-of-month (3rd field) and day-of-week (5th field)'],
    ['cron(60 6 * * ? *)', 'has "60" in minutes, which takes * or values, ranges and steps of 0-59'],
    ['cron(0 24 * * ? *)', 'has "24" in hours, which takes * or values, ranges and steps of 0-23'],
    ['cron(0 6 * FOO ? *)', 'has "FOO" in month, which takes * or values, ranges and steps of 1-12 or JAN-DEC'],
    ['cron(0 6 ? * 8 *)', 'has "8" in day-of-week, which takes * or values, ranges and steps of 1-7 or SUN-SAT'],
    ['cron(0/x 6 * * ? *)', 'has "0/x" in minutes, whose step (after "/") is not a whole number'],
    ['cron(? 6 * * ? *)', 'has "?" in minutes, where only * or values are allowed'],
  ])('rejects %s: %s', (expression, problem) => {
    expect(scheduleExpressionProblem(expression)).toBe(problem);
  });
});
