/**
 * Checks of EventBridge Scheduler's recurring expressions, `rate(...)` and `cron(...)`, as a configuration writes
 * them: what Scheduler would refuse at deploy is refused at synth, with the reason.
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
import {
  cronFieldsProblem,
  DAY_OF_MONTH,
  DAY_OF_WEEK,
  dayFieldsProblem,
  HOURS,
  MINUTES,
  MONTH,
  YEAR,
} from './cron-fields';

/** Why an expression is not one Scheduler takes, or undefined when it is. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) return rateProblem(rate[1]);
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return cronProblem(cron[1]);
  return 'is neither a rate(...) nor a cron(...) expression';
}

function rateProblem(body: string): string | undefined {
  const match = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!match) return 'is not "rate(<whole number> <minute(s)|hour(s)|day(s)>)"';
  const value = Number(match[1]);
  if (value < 1) return 'has a rate below 1';
  const plural = match[2].endsWith('s');
  if (value === 1 && plural) return `needs the singular unit for 1 ("rate(1 ${match[2].slice(0, -1)})")`;
  if (value > 1 && !plural) return `needs the plural unit above 1 ("rate(${value} ${match[2]}s)")`;
  return undefined;
}

/** The six fields of a Scheduler cron expression, in order. */
const CRON_FIELDS = [MINUTES, HOURS, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR];

function cronProblem(body: string): string | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `has ${fields.length} field(s), not the 6 of "cron(minutes hours day-of-month month day-of-week year)"`;
  }
  return cronFieldsProblem(fields, CRON_FIELDS) ?? dayFieldsProblem(fields[2], fields[4], ['3rd', '5th']);
}
