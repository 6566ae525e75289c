/**
 * What calls a function and how it runs in production, as `config.functions.<name>` sets it: HTTP routes, a schedule,
 * a queue, tracing, the on-failure queue of asynchronous calls, reserved concurrency and the log level. Parsed into
 * the typed {@link ServiceSettings} by the same checker as the rest of the configuration (see `parseConfig`), every
 * problem reported at once.
 */
import type { Checker } from './app-config';
import { scheduleExpressionProblem } from './schedule-expression';

/** HTTP methods a route may name; `ANY` matches every method. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Who may call a route: signed requests of IAM principals allowed `execute-api:Invoke` on it, or anyone. */
export const HTTP_AUTHORIZATIONS = ['iam', 'none'] as const;
export type HttpAuthorization = (typeof HTTP_AUTHORIZATIONS)[number];

/** Lambda's application log levels, most detailed first. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** One route of the function stack's HTTP API to the function's `live` alias. */
export interface HttpRouteConfig {
  readonly method: HttpMethod;
  /** Starts with `/`; `{name}` segments are path parameters, a last `{name+}` takes the rest of the path. */
  readonly path: string;
  readonly authorization: HttpAuthorization;
}

/** An EventBridge Scheduler schedule that invokes the function's `live` alias, asynchronously. */
export interface ScheduleConfig {
  /** `rate(1 day)` or `cron(0 6 * * ? *)`. */
  readonly expression: string;
  /**
   * The IANA time zone of a cron expression.
   * @default 'UTC'
   */
  readonly timezone: string;
  /**
   * The event the function receives.
   * @default - `{ "scheduledTime": "<the time the run was scheduled for>" }`
   */
  readonly input?: Record<string, unknown>;
  /**
   * How often Scheduler retries an invocation Lambda did not accept (0 to 185), before the schedule's dead-letter
   * queue gets it.
   * @default 2
   */
  readonly retryAttempts: number;
  /**
   * How long Scheduler keeps retrying, in seconds (60 to 86400).
   * @default 3600
   */
  readonly maxEventAgeSeconds: number;
}

/** An SQS queue the stack creates, whose messages the function's `live` alias receives in batches. */
export interface QueueConfig {
  /**
   * Messages per batch, 1 to 10000; above 10 needs `maxBatchingWindowSeconds` of at least 1.
   * @default 10
   */
  readonly batchSize: number;
  /**
   * How long Lambda gathers messages before it invokes with a partial batch, 0 to 300 seconds.
   * @default 0
   */
  readonly maxBatchingWindowSeconds: number;
  /**
   * Receives of a message before it moves to the queue's dead-letter queue, 1 to 1000.
   * @default 3
   */
  readonly maxReceiveCount: number;
  /**
   * The queue's visibility timeout: at least six times the function's timeout plus the batching window, as AWS
   * advises, at most 43200.
   * @default - six times the function's timeout plus the batching window
   */
  readonly visibilityTimeoutSeconds: number;
}

/** The settings of a function that say what calls it and how it runs in production. */
export interface ServiceSettings {
  /**
   * Routes of the stack's HTTP API to the function.
   * @default []
   */
  readonly http: readonly HttpRouteConfig[];
  /** @default - none */
  readonly schedule?: ScheduleConfig;
  /** @default - none */
  readonly queue?: QueueConfig;
  /**
   * X-Ray active tracing.
   * @default true
   */
  readonly tracing: boolean;
  /**
   * Concurrent executions reserved for the function (and its most).
   * @default - none: it shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
  /**
   * Whether asynchronous invocations of the `live` alias that still fail after Lambda's two retries go to an
   * on-failure SQS queue.
   * @default - true when the function has a schedule (it is invoked asynchronously), false otherwise
   */
  readonly onFailure: boolean;
  /**
   * The lowest level of the function's own logs that reaches CloudWatch (Lambda's JSON log format).
   * @default 'INFO'
   */
  readonly logLevel: LogLevel;
}

export const SCHEDULE_DEFAULTS = { timezone: 'UTC', retryAttempts: 2, maxEventAgeSeconds: 3600 } as const;
export const QUEUE_DEFAULTS = { batchSize: 10, maxBatchingWindowSeconds: 0, maxReceiveCount: 3 } as const;
export const SERVICE_DEFAULTS = { tracing: true, logLevel: 'INFO' as LogLevel } as const;

/** Settings of a function object besides these are unknown (a typo, usually). */
export const SERVICE_KEYS = [
  'http',
  'schedule',
  'queue',
  'tracing',
  'reservedConcurrency',
  'onFailure',
  'logLevel',
] as const;

/** SQS's longest visibility timeout: 12 hours. */
const MAX_VISIBILITY_TIMEOUT = 43200;
/** Lambda's minimum of concurrency left unreserved in an account is 100; a function reserves at most the rest. */
const MAX_RESERVED_CONCURRENCY = 10000;
const PATH_SEGMENT = /^([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\}|\{[A-Za-z_][A-Za-z0-9_]*\+\})$/;

/**
 * Parses the service settings of `config.functions.<name>` (at `at`), whose timeout is `timeoutSeconds`: all of them,
 * or undefined when one is wrong, and the valid routes alone (so that routes two functions claim are reported even
 * beside other mistakes).
 */
export function parseServiceSettings(
  c: Checker,
  f: Record<string, unknown>,
  at: string,
  timeoutSeconds: number | undefined,
): { readonly settings?: ServiceSettings; readonly routes: readonly HttpRouteConfig[] } {
  const before = c.count();
  const http = parseHttp(c, f.http, `${at}.http`);
  const schedule = f.schedule === undefined ? undefined : parseSchedule(c, f.schedule, `${at}.schedule`);
  const queue = f.queue === undefined ? undefined : parseQueue(c, f.queue, `${at}.queue`, timeoutSeconds);
  const tracing = c.boolean(f.tracing, `${at}.tracing`, SERVICE_DEFAULTS.tracing);
  const reservedConcurrency =
    f.reservedConcurrency === undefined
      ? undefined
      : c.integer(f.reservedConcurrency, `${at}.reservedConcurrency`, 0, 1, MAX_RESERVED_CONCURRENCY, 'executions');
  const onFailure = c.boolean(f.onFailure, `${at}.onFailure`, f.schedule !== undefined);
  const logLevel =
    f.logLevel === undefined ? SERVICE_DEFAULTS.logLevel : c.oneOf(f.logLevel, `${at}.logLevel`, LOG_LEVELS);
  if (c.count() !== before || !logLevel) return { routes: http };
  return {
    routes: http,
    settings: {
      http,
      tracing,
      onFailure,
      logLevel,
      ...(schedule ? { schedule } : {}),
      ...(queue ? { queue } : {}),
      ...(reservedConcurrency ? { reservedConcurrency } : {}),
    },
  };
}

function parseHttp(c: Checker, raw: unknown, at: string): HttpRouteConfig[] {
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

function parseSchedule(c: Checker, raw: unknown, at: string): ScheduleConfig | undefined {
  const s = c.object(
    raw,
    at,
    'write { "expression": "rate(1 day)" } or { "expression": "cron(0 6 * * ? *)", "timezone": "Europe/Paris" }',
  );
  if (!s) return undefined;
  c.knownKeys(s, at, ['expression', 'timezone', 'input', 'retryAttempts', 'maxEventAgeSeconds']);
  let expression: string | undefined;
  if (typeof s.expression !== 'string') {
    c.problem(
      `${at}.expression`,
      s.expression,
      s.expression === undefined ? 'is missing' : 'is not a text',
      'write "rate(1 day)", "rate(15 minutes)" or "cron(0 6 * * ? *)" (minutes hours day-of-month month day-of-week year)',
    );
  } else {
    const problem = scheduleExpressionProblem(s.expression);
    if (problem) {
      c.problem(
        `${at}.expression`,
        s.expression,
        problem,
        'write "rate(<n> minute(s)|hour(s)|day(s))" or "cron(minutes hours day-of-month month day-of-week year)" with "?" in one day field, e.g. "cron(0 6 * * ? *)"',
      );
    } else expression = s.expression;
  }
  let timezone: string = SCHEDULE_DEFAULTS.timezone;
  if (s.timezone !== undefined) {
    if (typeof s.timezone === 'string' && isTimeZone(s.timezone)) timezone = s.timezone;
    else {
      c.problem(
        `${at}.timezone`,
        s.timezone,
        'is not an IANA time zone',
        'write a time zone such as "UTC", "Europe/Paris" or "America/New_York", or leave it out for UTC',
      );
    }
  }
  const input =
    s.input === undefined
      ? undefined
      : c.object(s.input, `${at}.input`, 'write the event the function receives as a JSON object, or leave it out');
  const retryAttempts = c.integer(
    s.retryAttempts,
    `${at}.retryAttempts`,
    SCHEDULE_DEFAULTS.retryAttempts,
    0,
    185,
    'retries',
  );
  const maxEventAgeSeconds = c.integer(
    s.maxEventAgeSeconds,
    `${at}.maxEventAgeSeconds`,
    SCHEDULE_DEFAULTS.maxEventAgeSeconds,
    60,
    86400,
    'seconds',
  );
  if (!expression || retryAttempts === undefined || !maxEventAgeSeconds) return undefined;
  return { expression, timezone, retryAttempts, maxEventAgeSeconds, ...(input ? { input } : {}) };
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function parseQueue(c: Checker, raw: unknown, at: string, timeoutSeconds: number | undefined): QueueConfig | undefined {
  const q = c.object(raw, at, 'write { "batchSize": 10 }, or {} for the defaults');
  if (!q) return undefined;
  c.knownKeys(q, at, ['batchSize', 'maxBatchingWindowSeconds', 'maxReceiveCount', 'visibilityTimeoutSeconds']);
  const batchSize = c.integer(q.batchSize, `${at}.batchSize`, QUEUE_DEFAULTS.batchSize, 1, 10000, 'messages');
  const window = c.integer(
    q.maxBatchingWindowSeconds,
    `${at}.maxBatchingWindowSeconds`,
    QUEUE_DEFAULTS.maxBatchingWindowSeconds,
    0,
    300,
    'seconds',
  );
  const maxReceiveCount = c.integer(
    q.maxReceiveCount,
    `${at}.maxReceiveCount`,
    QUEUE_DEFAULTS.maxReceiveCount,
    1,
    1000,
    'receives',
  );
  if (batchSize !== undefined && batchSize > 10 && window === 0) {
    c.problem(
      `${at}.batchSize`,
      batchSize,
      'is above 10 without a batching window, which Lambda refuses for SQS',
      'set "maxBatchingWindowSeconds" to at least 1, or a batch size of at most 10',
    );
  }
  if (timeoutSeconds === undefined || window === undefined) return undefined;
  const least = 6 * timeoutSeconds + window;
  let visibilityTimeoutSeconds = Math.min(least, MAX_VISIBILITY_TIMEOUT);
  if (q.visibilityTimeoutSeconds !== undefined) {
    const set = c.integer(
      q.visibilityTimeoutSeconds,
      `${at}.visibilityTimeoutSeconds`,
      least,
      0,
      MAX_VISIBILITY_TIMEOUT,
      'seconds',
    );
    if (set !== undefined && set < Math.min(least, MAX_VISIBILITY_TIMEOUT)) {
      c.problem(
        `${at}.visibilityTimeoutSeconds`,
        set,
        `is below six times the function's timeout plus the batching window (${least} s): a message would be received again while a call still works on it`,
        `set at least ${Math.min(least, MAX_VISIBILITY_TIMEOUT)}, or leave it out for that`,
      );
    }
    if (set !== undefined) visibilityTimeoutSeconds = set;
  }
  if (!batchSize || !maxReceiveCount) return undefined;
  return { batchSize, maxBatchingWindowSeconds: window, maxReceiveCount, visibilityTimeoutSeconds };
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
