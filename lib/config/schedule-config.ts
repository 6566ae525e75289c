/** `config.functions.<name>.schedule`: the EventBridge Scheduler schedule that invokes a function. */
import type { Checker } from './checker';
import { scheduleExpressionProblem } from './schedule-expression';

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

export const SCHEDULE_DEFAULTS = { timezone: 'UTC', retryAttempts: 2, maxEventAgeSeconds: 3600 } as const;

/** Parses `config.functions.<name>.schedule` (at `at`): the schedule, or undefined when it has a problem. */
export function parseSchedule(c: Checker, raw: unknown, at: string): ScheduleConfig | undefined {
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

/** Whether `name` is an IANA time zone this Node.js knows (as Scheduler and CodePipeline take them). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
