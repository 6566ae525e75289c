/**
 * The fields of the AWS cron expressions a configuration writes (EventBridge Scheduler's `cron(...)`, CodePipeline's
 * `DeploymentWindow`): what each field takes, why a field is not one AWS takes, and which calendar days a set of
 * day fields matches, so that an expression that never matches a day can be refused at synth.
 */

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** One field of a cron expression. */
export interface CronField {
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

export const MINUTES: CronField = { name: 'minutes', min: 0, max: 59 };
export const HOURS: CronField = { name: 'hours', min: 0, max: 23 };
export const DAY_OF_MONTH: CronField = {
  name: 'day-of-month',
  min: 1,
  max: 31,
  question: true,
  special: /^(L|LW|L-\d{1,2}|\d{1,2}W)$/,
};
export const MONTH: CronField = { name: 'month', min: 1, max: 12, names: MONTHS };
export const DAY_OF_WEEK: CronField = {
  name: 'day-of-week',
  min: 1,
  max: 7,
  names: DAYS,
  question: true,
  special: /^([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5])$|^L$/,
};
export const YEAR: CronField = { name: 'year', min: 1970, max: 2199 };

/** Why `text` is not a value of `field` AWS takes, or undefined when it is. */
export function cronFieldProblem(text: string, field: CronField): string | undefined {
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
      return `has "${item}" in ${field.name}, which takes ${describeField(field)}`;
    }
  }
  return undefined;
}

/** The problem of the first field of `fields` whose text AWS would refuse, or undefined. */
export function cronFieldsProblem(texts: readonly string[], fields: readonly CronField[]): string | undefined {
  for (let i = 0; i < fields.length; i++) {
    const problem = cronFieldProblem(texts[i], fields[i]);
    if (problem) return problem;
  }
  return undefined;
}

/** `?` in exactly one of the two day fields, as AWS requires; the fields' positions name them ("3rd", "5th"). */
export function dayFieldsProblem(
  dayOfMonth: string,
  dayOfWeek: string,
  positions: readonly [string, string],
): string | undefined {
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return `must have "?" in exactly one of day-of-month (${positions[0]} field) and day-of-week (${positions[1]} field)`;
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

function describeField(field: CronField): string {
  const names = field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : '';
  return `* or values, ranges and steps of ${field.min}-${field.max}${names}`;
}

/**
 * The plain values (numbers, ranges, steps) of a valid field, with the special items (`L`, `W`, `#`) left out. A
 * range whose end is below its start wraps around (`FRI-MON`), as Quartz reads it: a window is refused only when it
 * surely never opens.
 */
function plainValues(text: string, field: CronField): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (field.special?.test(item)) continue;
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Math.max(1, Number(stepText));
    const [from, to] =
      range === '*'
        ? [field.min, field.max]
        : range.includes('-')
          ? (range.split('-').map((b) => valueOf(b, field)!) as [number, number])
          : [valueOf(range, field)!, stepText === undefined ? valueOf(range, field)! : field.max];
    const span = to >= from ? to - from : field.max - from + (to - field.min) + 1;
    for (let offset = 0; offset <= span; offset += step) {
      const value = from + offset;
      values.add(value > field.max ? value - field.max + field.min - 1 : value);
    }
  }
  return values;
}

/** The day fields of a valid cron expression, in AWS's order. */
export interface CronDays {
  readonly dayOfMonth: string;
  readonly month: string;
  readonly dayOfWeek: string;
  /** @default '*' */
  readonly year?: string;
}

/**
 * The first calendar day (UTC, at midnight) from `from` to the end of 2199 that the day fields match, or undefined
 * when none does: an expression that matches no day never runs, and a window of it never opens.
 */
export function firstMatchingDay(days: CronDays, from: Date): Date | undefined {
  const months = plainValues(days.month, MONTH);
  const years = plainValues(days.year ?? '*', YEAR);
  const dayOfMonth = dayOfMonthMatcher(days.dayOfMonth);
  const dayOfWeek = dayOfWeekMatcher(days.dayOfWeek);
  const day = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  for (; day.getUTCFullYear() <= YEAR.max; day.setUTCDate(day.getUTCDate() + 1)) {
    if (!years.has(day.getUTCFullYear())) {
      if ([...years].every((y) => y < day.getUTCFullYear())) return undefined;
      day.setUTCMonth(11, 31);
      continue;
    }
    if (months.has(day.getUTCMonth() + 1) && dayOfMonth(day) && dayOfWeek(day)) return new Date(day);
  }
  return undefined;
}

function daysInMonth(day: Date): number {
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0)).getUTCDate();
}

function isWeekday(day: Date, date: number): boolean {
  const weekday = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), date)).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** The weekday (Monday to Friday) nearest to `date` within its month, as `W` means; never in another month. */
function nearestWeekday(day: Date, date: number): number {
  const last = daysInMonth(day);
  const target = Math.min(date, last);
  if (isWeekday(day, target)) return target;
  for (let d = 1; d <= 2; d++) {
    const before = target - d >= 1 && isWeekday(day, target - d);
    const after = target + d <= last && isWeekday(day, target + d);
    if (before && (!after || d === 1)) return target - d;
    if (after) return target + d;
  }
  return target;
}

type DayMatcher = (day: Date) => boolean;

function dayOfMonthMatcher(text: string): DayMatcher {
  if (text === '?') return () => true;
  const plain = plainValues(text, DAY_OF_MONTH);
  const items = text.split(',');
  return (day) => {
    const date = day.getUTCDate();
    const last = daysInMonth(day);
    if (plain.has(date)) return true;
    return items.some((item) => {
      if (item === 'L') return date === last;
      if (item === 'LW') return date === nearestWeekday(day, last);
      const offset = /^L-(\d+)$/.exec(item);
      if (offset) return date === last - Number(offset[1]);
      const weekday = /^(\d+)W$/.exec(item);
      return weekday !== null && date === nearestWeekday(day, Number(weekday[1]));
    });
  };
}

function dayOfWeekMatcher(text: string): DayMatcher {
  if (text === '?') return () => true;
  const plain = plainValues(text, DAY_OF_WEEK);
  const specials = text
    .split(',')
    .filter((item) => DAY_OF_WEEK.special!.test(item))
    .map((item) => {
      if (item === 'L') return { weekday: 7, last: false, nth: 0 };
      const [, dayText, kind, nth] = /^(\w+?)(L|#([1-5]))$/.exec(item)!;
      const named = DAYS.indexOf(dayText.toUpperCase());
      return { weekday: named >= 0 ? named + 1 : Number(dayText), last: kind === 'L', nth: Number(nth ?? 0) };
    });
  return (day) => {
    const weekday = day.getUTCDay() + 1;
    if (plain.has(weekday)) return true;
    const date = day.getUTCDate();
    return specials.some(
      (s) =>
        s.weekday === weekday &&
        ((!s.last && s.nth === 0) ||
          (s.last && date + 7 > daysInMonth(day)) ||
          (s.nth > 0 && Math.ceil(date / 7) === s.nth)),
    );
  };
}
