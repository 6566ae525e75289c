/**
 * An environment's `promotion`: its defaults, and every mistake in it reported with the rest of the configuration,
 * naming the setting, the value and the fix; a deployment window checked as CodePipeline reads it, and refused when it
 * never opens.
 */
import { parseConfig } from '../lib/config/app-config';
import { firstMatchingDay } from '../lib/config/cron-fields';
import { deploymentWindowProblem } from '../lib/config/deployment-window';
import { DEFAULT_BAKE_MINUTES } from '../lib/config/promotion-config';
import { baseConfig, configErrorOf, FIXTURE_ROOT } from './helpers';

/** The day the tests judge windows on: a window that last opens in 2026 still opens. */
const TODAY = new Date('2026-12-10T12:00:00Z');

type RawConfig = ReturnType<typeof baseConfig>;

function parse(change: (c: RawConfig) => void = () => {}) {
  const config = baseConfig();
  change(config);
  return parseConfig(config, { projectRoot: FIXTURE_ROOT, today: TODAY });
}

describe('promotion settings', () => {
  test('default to rollback everywhere and a 30-minute bake before an environment that requires approval', () => {
    const [dev, prod] = parse().environments;
    expect(dev.promotion).toEqual({ bakeMinutes: 0, rollbackOnFailure: true });
    expect(prod.promotion).toEqual({ bakeMinutes: DEFAULT_BAKE_MINUTES, rollbackOnFailure: true });
    expect(DEFAULT_BAKE_MINUTES).toBe(30);
  });

  test('take a bake time, a window in a time zone (UTC unless told) and rollback off', () => {
    const [dev, prod] = parse((c) => {
      c.environments[0].promotion = { rollbackOnFailure: false };
      c.environments[1].promotion = {
        bakeMinutes: 45,
        window: { cron: ' * * 9-16 ? * MON-FRI * ', timezone: 'Europe/Berlin' },
      };
    }).environments;
    expect(dev.promotion).toEqual({ bakeMinutes: 0, rollbackOnFailure: false });
    expect(prod.promotion).toEqual({
      bakeMinutes: 45,
      rollbackOnFailure: true,
      window: { cron: '* * 9-16 ? * MON-FRI *', timezone: 'Europe/Berlin' },
    });
    const utc = parse((c) => (c.environments[1].promotion = { window: { cron: '* * 8 ? * * ' } }));
    expect(utc.environments[1].promotion.window).toEqual({ cron: '* * 8 ? * *', timezone: 'UTC' });
  });

  test('take no bake time before an environment without approval, and 0 to turn the default off', () => {
    const [, prod] = parse((c) => (c.environments[1].promotion = { bakeMinutes: 0 })).environments;
    expect(prod.promotion.bakeMinutes).toBe(0);
    const [, qa] = parse((c) => (c.environments[1].requiresApproval = false)).environments;
    expect(qa.promotion.bakeMinutes).toBe(0);
  });

  test('report every mistake at once, with the rest of the configuration, naming the setting, value and fix', () => {
    const error = configErrorOf(() =>
      parse((c) => {
        c.environments[0].promotion = { bakeMinutes: 10, rollbackOnFailure: 'yes', retries: 2 };
        c.environments[1].promotion = {
          bakeMinutes: 2000,
          window: { cron: '* * * 31 FEB ? *', timezone: 'Mars/Olympus', opens: 'soon' },
        };
        c.environments[1].account = '12345';
        c.environments.push(
          {
            name: 'a',
            account: '444444444444',
            region: 'eu-west-1',
            promotion: { window: { cron: 'cron(0 6 * * ? *)' } },
          },
          { name: 'b', account: '444444444444', region: 'eu-west-1', promotion: { window: { cron: '0 * * ? * * *' } } },
          {
            name: 'c',
            account: '444444444444',
            region: 'eu-west-1',
            promotion: { window: { cron: '* * 25 ? * * *' } },
          },
          { name: 'd', account: '444444444444', region: 'eu-west-1', promotion: { window: {} } },
          {
            name: 'e',
            account: '444444444444',
            region: 'eu-west-1',
            promotion: { window: { cron: '* * * * * ? 2020' } },
          },
          { name: 'f', account: '444444444444', region: 'eu-west-1', promotion: 'always' },
          { name: 'g', account: '444444444444', region: 'eu-west-1', promotion: { bakeMinutes: '30' } },
        );
      }),
    );
    expect(error.problems.map((p) => ({ setting: p.setting, value: p.value, message: p.message }))).toEqual([
      {
        setting: 'config.environments[0].promotion.retries',
        value: 2,
        message: 'is not a setting here',
      },
      {
        setting: 'config.environments[0].promotion.bakeMinutes',
        value: 10,
        message: 'is a wait for the previous environment, and the first environment has none',
      },
      {
        setting: 'config.environments[0].promotion.rollbackOnFailure',
        value: 'yes',
        message: 'is not a boolean',
      },
      {
        setting: 'config.environments[1].account',
        value: '12345',
        message: 'is not a 12-digit AWS account id',
      },
      {
        setting: 'config.environments[1].promotion.bakeMinutes',
        value: 2000,
        message: 'is not a whole number of minutes from 0 to 1440',
      },
      {
        setting: 'config.environments[1].promotion.window.opens',
        value: 'soon',
        message: 'is not a setting here',
      },
      {
        setting: 'config.environments[1].promotion.window.cron',
        value: '* * * 31 FEB ? *',
        message:
          'never opens: no day from 2026-12-09 to the end of 2199 matches its day-of-month, month, day-of-week and year',
      },
      {
        setting: 'config.environments[1].promotion.window.timezone',
        value: 'Mars/Olympus',
        message: 'is not an IANA time zone',
      },
      {
        setting: 'config.environments[2].promotion.window.cron',
        value: 'cron(0 6 * * ? *)',
        message: 'is written like a schedule; a window has no "cron(...)" around it and starts with the seconds field',
      },
      {
        setting: 'config.environments[3].promotion.window.cron',
        value: '0 * * ? * * *',
        message: 'has "0" in seconds, where a window takes only *',
      },
      {
        setting: 'config.environments[4].promotion.window.cron',
        value: '* * 25 ? * * *',
        message: 'has "25" in hours, which takes * or values, ranges and steps of 0-23',
      },
      {
        setting: 'config.environments[5].promotion.window.cron',
        value: undefined,
        message: 'is missing',
      },
      {
        setting: 'config.environments[6].promotion.window.cron',
        value: '* * * * * ? 2020',
        message:
          'never opens: no day from 2026-12-09 to the end of 2199 matches its day-of-month, month, day-of-week and year',
      },
      {
        setting: 'config.environments[7].promotion',
        value: 'always',
        message: 'is not an object',
      },
      {
        setting: 'config.environments[8].promotion.bakeMinutes',
        value: '30',
        message: 'is not a whole number of minutes from 0 to 1440',
      },
    ]);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('The configuration has 15 problems:');
    expect(lines).toContain(
      '  - config.environments[1].promotion.window.cron = "* * * 31 FEB ? *" never opens: no day from 2026-12-09 to the end of 2199 matches its day-of-month, month, day-of-week and year. Fix: write "seconds minutes hours day-of-month month day-of-week [year]" with * for seconds and "?" in one day field, e.g. "* * 9-16 ? * MON-FRI *" (weekdays, 09:00 to 16:59).',
    );
    expect(lines).toContain(
      '  - config.environments[0].promotion.bakeMinutes = 10 is a wait for the previous environment, and the first environment has none. Fix: remove it, or set it on the environment that should wait (a later one in config.environments).',
    );
    expect(lines).toContain(
      '  - config.environments[1].promotion.window.timezone = "Mars/Olympus" is not an IANA time zone. Fix: write a time zone such as "UTC", "Europe/Berlin" or "America/New_York", or leave it out for UTC.',
    );
  });
});

describe('a deployment window', () => {
  test.each([
    ['* * 9-16 ? * MON-FRI *'],
    ['* * 9-16 ? * MON-FRI'],
    ['* 0/15 8-17 ? * 2-6 *'],
    ['* * 22-2 ? * FRI-MON *'],
    ['* * * L * ? *'],
    ['* * * 15W * ? 2026-2030'],
    ['* * * ? JAN,JUL 6#2 *'],
    ['* * * ? * 6L *'],
    ['* * * 29 FEB ? *'],
    ['* * * 1 * ? 2027'],
    ['* * * 31 * ? 2026'],
  ])('%s is one CodePipeline takes, and opens', (cron) => {
    expect(deploymentWindowProblem(cron, TODAY)).toBeUndefined();
  });

  test.each([
    ['* * 9-16 * * MON-FRI *', 'must have "?" in exactly one of day-of-month (4th field) and day-of-week (6th field)'],
    ['* * 9-16 ? *', 'has 5 field(s), not the 6 or 7 of "seconds minutes hours day-of-month month day-of-week [year]"'],
    ['* 60 * ? * * *', 'has "60" in minutes, which takes * or values, ranges and steps of 0-59'],
    ['* * * ? FOO * *', 'has "FOO" in month, which takes * or values, ranges and steps of 1-12 or JAN-DEC'],
    ['* * * 30 FEB ? *', 'never opens'],
    ['* * * 31 APR,JUN,SEP,NOV ? *', 'never opens'],
    ['* * * 1 * ? 2026', 'never opens'],
    ['* * * ? * 2#5 2026', 'never opens'],
  ])('%s is refused: %s', (cron, problem) => {
    expect(deploymentWindowProblem(cron, TODAY)).toContain(problem);
  });

  test('is judged from the day before today, so that no time zone is ahead of it', () => {
    expect(deploymentWindowProblem('* * * 9 DEC ? 2026', TODAY)).toBeUndefined();
    expect(deploymentWindowProblem('* * * 8 DEC ? 2026', TODAY)).toContain('never opens');
  });

  test('matches the days Quartz does: the last day, the nearest weekday, the nth and the last weekday of a month', () => {
    const first = (dayOfMonth: string, dayOfWeek: string, from = '2026-01-01') =>
      firstMatchingDay({ dayOfMonth, month: '*', dayOfWeek }, new Date(`${from}T00:00:00Z`))
        ?.toISOString()
        .slice(0, 10);
    expect(first('L', '?')).toBe('2026-01-31');
    expect(first('L-3', '?', '2026-02-01')).toBe('2026-02-25');
    // 2026-02-15 is a Sunday: its nearest weekday is Monday the 16th; 2026-08-01 is a Saturday: Monday the 3rd.
    expect(first('15W', '?', '2026-02-01')).toBe('2026-02-16');
    expect(first('1W', '?', '2026-08-01')).toBe('2026-08-03');
    // The second Friday of January 2026 is the 9th, its last Friday the 30th.
    expect(first('?', '6#2')).toBe('2026-01-09');
    expect(first('?', 'FRIL')).toBe('2026-01-30');
    // FRI-MON wraps around the week: 2026-01-01 is a Thursday, so the first match is Friday the 2nd.
    expect(first('?', 'FRI-MON')).toBe('2026-01-02');
  });
});
