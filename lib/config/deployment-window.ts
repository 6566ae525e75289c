/**
 * Checks of the cron expression of CodePipeline's `DeploymentWindow` rule, as an environment's `promotion.window`
 * writes it: what CodePipeline would refuse is refused at synth, and so is a window that never opens.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html
 */
import {
  cronFieldsProblem,
  DAY_OF_MONTH,
  DAY_OF_WEEK,
  dayFieldsProblem,
  firstMatchingDay,
  HOURS,
  MINUTES,
  MONTH,
  YEAR,
} from './cron-fields';

/** The fields of a window, in order: seconds first (always `*`), the year last and optional. */
export const WINDOW_FIELDS = 'seconds minutes hours day-of-month month day-of-week [year]';

/** A window that is open on weekdays from 09:00 to 16:59: the example the errors give. */
export const WINDOW_EXAMPLE = '* * 9-16 ? * MON-FRI *';

/** A day, so that a window is judged from the day before `today` in UTC: no time zone is a day ahead of it. */
const ONE_DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Why `cron` is not a window CodePipeline takes, or one that never opens from `today` on; undefined when it is fine.
 * A window is open during every minute its fields match (its seconds field is `*`).
 */
export function deploymentWindowProblem(cron: string, today: Date): string | undefined {
  if (/^cron\(/.test(cron.trim())) {
    return `is written like a schedule; a window has no "cron(...)" around it and starts with the seconds field`;
  }
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 6 && fields.length !== 7) {
    return `has ${fields.length} field(s), not the 6 or 7 of "${WINDOW_FIELDS}"`;
  }
  if (fields[0] !== '*') return `has "${fields[0]}" in seconds, where a window takes only *`;
  const [, minutes, hours, dayOfMonth, month, dayOfWeek, year = '*'] = fields;
  const problem =
    cronFieldsProblem(
      [minutes, hours, dayOfMonth, month, dayOfWeek, year],
      [MINUTES, HOURS, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR],
    ) ?? dayFieldsProblem(dayOfMonth, dayOfWeek, ['4th', '6th']);
  if (problem) return problem;
  const from = new Date(today.getTime() - ONE_DAY_MS);
  if (!firstMatchingDay({ dayOfMonth, month, dayOfWeek, year }, from)) {
    return (
      `never opens: no day from ${from.toISOString().slice(0, 10)} to the end of ${YEAR.max} matches its ` +
      `day-of-month, month, day-of-week and year`
    );
  }
  return undefined;
}
