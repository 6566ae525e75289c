/**
 * Checks of EventBridge Scheduler's recurring expressions, `rate(...)` and `cron(...)`, as a configuration writes
 * them: what Scheduler would refuse at deploy is refused at synth, with the reason.
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */

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

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names that stand for numbers from `min` on (JAN = 1, SUN = 1). */
  readonly names?: readonly string[];
  /** Whether `?` (no specific value) is allowed: day-of-month and day-of-week only. */
  readonly question?: boolean;
  /** Extra forms of one item: `L`, `W`, `#`. */
  readonly special?: RegExp;
}

/** The six fields of a cron expression, in order. */
const CRON_FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true, special: /^(L|LW|L-\d{1,2}|\d{1,2}W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: DAYS,
    question: true,
    special: /^([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5])$|^L$/,
  },
  { name: 'year', min: 1970, max: 2199 },
];

function cronProblem(body: string): string | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `has ${fields.length} field(s), not the 6 of "cron(minutes hours day-of-month month day-of-week year)"`;
  }
  for (let i = 0; i < fields.length; i++) {
    const problem = fieldProblem(fields[i], CRON_FIELDS[i]);
    if (problem) return problem;
  }
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return 'must have "?" in exactly one of day-of-month (3rd field) and day-of-week (5th field)';
  }
  return undefined;
}

function fieldProblem(text: string, field: CronField): string | undefined {
  if (text === '?') return field.question ? undefined : `has "?" in ${field.name}, where only * or values are allowed`;
  for (const item of text.split(',')) {
    if (field.special?.test(item)) continue;
    const [range, step, ...extra] = item.split('/');
    if (extra.length > 0 || (step !== undefined && !/^\d+$/.test(step))) {
      return `has "${item}" in ${field.name}, whose step (after "/") is not a whole number`;
    }
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2 || bounds.some((b) => valueOf(b, field) === undefined)) {
      return `has "${item}" in ${field.name}, which takes ${describe(field)}`;
    }
  }
  return undefined;
}

function valueOf(text: string, field: CronField): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return field.min + named;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

function describe(field: CronField): string {
  const names = field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : '';
  return `* or values, ranges and steps of ${field.min}-${field.max}${names}`;
}
