/**
 * `config.environments[i].promotion`: the gates a release passes on its way into an environment, which the pipeline
 * sets as CodePipeline stage conditions (see `pipeline/promotion-gates.ts`): how long the previous environment must
 * stay healthy first, when the environment may be entered, and whether a failed stage rolls back.
 */
import type { Checker } from './checker';
import { deploymentWindowProblem, WINDOW_EXAMPLE, WINDOW_FIELDS } from './deployment-window';
import { isTimeZone } from './schedule-config';

/** When an environment may be entered: CodePipeline's `DeploymentWindow` rule. */
export interface DeploymentWindowConfig {
  /**
   * The minutes the window is open, as CodePipeline's cron: `seconds minutes hours day-of-month month day-of-week
   * [year]`, seconds always `*` (`* * 9-16 ? * MON-FRI *`: weekdays, 09:00 to 16:59).
   */
  readonly cron: string;
  /**
   * The IANA time zone the cron is read in.
   * @default 'UTC'
   */
  readonly timezone: string;
}

/** How a release enters one environment. */
export interface PromotionConfig {
  /**
   * Minutes the previous environment must stay healthy (its health alarm never in ALARM) after its smoke test
   * before this environment is entered; 0 for none.
   * @default 30 where the environment requires approval (except the first environment), else 0
   */
  readonly bakeMinutes: number;
  /**
   * When the environment may be entered; a release that arrives outside the window waits for it to open.
   * @default - any time
   */
  readonly window?: DeploymentWindowConfig;
  /**
   * Whether a failed stage of the environment (its layers, a wave of functions with its smoke test, its health
   * stack) rolls back to the last release that passed it.
   * @default true
   */
  readonly rollbackOnFailure: boolean;
}

/** The bake time before an environment that requires approval, when it sets none. */
export const DEFAULT_BAKE_MINUTES = 30;
/** The longest bake time taken: a day. */
export const MAX_BAKE_MINUTES = 24 * 60;

const PROMOTION_KEYS = ['bakeMinutes', 'window', 'rollbackOnFailure'];
const WINDOW_KEYS = ['cron', 'timezone'];

/** What {@link parsePromotion} needs to know of the environment the setting belongs to. */
export interface PromotionContext {
  /** Whether the environment is the first one: nothing comes before it to wait for. */
  readonly first: boolean;
  readonly requiresApproval: boolean;
}

/** The defaults of an environment that sets no `promotion`. */
export function defaultPromotion(environment: PromotionContext): PromotionConfig {
  return {
    bakeMinutes: environment.requiresApproval && !environment.first ? DEFAULT_BAKE_MINUTES : 0,
    rollbackOnFailure: true,
  };
}

/** Parses an environment's `promotion` (at `at`): the settings, or undefined when one has a problem. */
export function parsePromotion(
  c: Checker,
  raw: unknown,
  at: string,
  environment: PromotionContext,
): PromotionConfig | undefined {
  const defaults = defaultPromotion(environment);
  if (raw === undefined) return defaults;
  const p = c.object(
    raw,
    at,
    `write { "bakeMinutes": 30, "window": { "cron": "${WINDOW_EXAMPLE}", "timezone": "Europe/Berlin" }, "rollbackOnFailure": true } (each optional), or leave it out`,
  );
  if (!p) return undefined;
  c.knownKeys(p, at, PROMOTION_KEYS);
  const problems = c.count();
  const bakeMinutes = c.integer(
    p.bakeMinutes,
    `${at}.bakeMinutes`,
    defaults.bakeMinutes,
    0,
    MAX_BAKE_MINUTES,
    'minutes',
  );
  if (bakeMinutes && environment.first) {
    c.problem(
      `${at}.bakeMinutes`,
      bakeMinutes,
      'is a wait for the previous environment, and the first environment has none',
      'remove it, or set it on the environment that should wait (a later one in config.environments)',
    );
  }
  const window = p.window === undefined ? undefined : parseWindow(c, p.window, `${at}.window`);
  const rollbackOnFailure = c.boolean(p.rollbackOnFailure, `${at}.rollbackOnFailure`, defaults.rollbackOnFailure);
  if (c.count() > problems || bakeMinutes === undefined) return undefined;
  return { bakeMinutes, rollbackOnFailure, ...(window ? { window } : {}) };
}

function parseWindow(c: Checker, raw: unknown, at: string): DeploymentWindowConfig | undefined {
  const w = c.object(
    raw,
    at,
    `write { "cron": "${WINDOW_EXAMPLE}", "timezone": "Europe/Berlin" } (the minutes the environment may be entered), or leave it out`,
  );
  if (!w) return undefined;
  c.knownKeys(w, at, WINDOW_KEYS);
  const fix = `write "${WINDOW_FIELDS}" with * for seconds and "?" in one day field, e.g. "${WINDOW_EXAMPLE}" (weekdays, 09:00 to 16:59)`;
  let cron: string | undefined;
  if (typeof w.cron !== 'string') {
    c.problem(`${at}.cron`, w.cron, w.cron === undefined ? 'is missing' : 'is not a text', fix);
  } else {
    const problem = deploymentWindowProblem(w.cron, c.today);
    if (problem) c.problem(`${at}.cron`, w.cron, problem, fix);
    else cron = w.cron.trim();
  }
  let timezone = 'UTC';
  if (w.timezone !== undefined) {
    if (typeof w.timezone === 'string' && isTimeZone(w.timezone)) timezone = w.timezone;
    else {
      c.problem(
        `${at}.timezone`,
        w.timezone,
        'is not an IANA time zone',
        'write a time zone such as "UTC", "Europe/Berlin" or "America/New_York", or leave it out for UTC',
      );
      return undefined;
    }
  }
  return cron ? { cron, timezone } : undefined;
}
