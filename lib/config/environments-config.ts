/**
 * `config.environments` (in promotion order, each with the alarms that stop its releases), and what applies to every
 * environment: `config.sandbox`, where developers' sandboxes deploy, and `config.permissionsBoundary`, the policy that
 * bounds the roles their stacks create.
 */
import { Checker, EMAIL } from './checker';
import {
  ALL_AT_ONCE,
  DEFAULT_DEPLOYMENT_STRATEGY,
  DEPLOYMENT_STRATEGIES,
  DeploymentStrategy,
} from './deployment-strategies';
import { parsePromotion, type PromotionConfig } from './promotion-config';

/** One deployment environment (dev, prod, ...), usually an account of its own. */
export interface EnvironmentConfig {
  /** Short lower-case name, used in stage names and SSM parameter names. */
  readonly name: string;
  readonly account: string;
  readonly region: string;
  /**
   * Whether promotion into this environment waits for a manual approval.
   * @default false
   */
  readonly requiresApproval: boolean;
  /**
   * How CodeDeploy shifts each function's `live` alias to a new version; alarms on errors and throttles stop the
   * shift and roll it back. `AllAtOnce` is refused where promotion needs an approval.
   * @default 'Canary10Percent5Minutes'
   */
  readonly deployment: DeploymentStrategy;
  /**
   * When a release is stopped and rolled back: the alarms on the new version's errors and throttles.
   * @default - {@link ALARM_DEFAULTS}: the first error or throttle in a minute
   */
  readonly alarms: AlarmsConfig;
  /**
   * The gates a release passes on its way in: the previous environment's bake time, a deployment window, and
   * rollback of a failed stage (see {@link PromotionConfig}).
   * @default - `defaultPromotion`: rollback on; 30 minutes of a healthy previous environment before an
   * environment that requires approval
   */
  readonly promotion: PromotionConfig;
  /**
   * A personal sandbox, deployed from a laptop outside the pipeline (see `SandboxStage`): nothing in it is retained,
   * so destroying it leaves nothing behind, and its smoke-test roles are trusted by its own account.
   * @default false
   */
  readonly sandbox?: boolean;
}

/**
 * The thresholds of a function's alarms: those created for each release, which stop and roll it back, and the
 * on-call ones, which watch the live version and notify. Each watches one version only (through the `live` alias,
 * Lambda's `ExecutedVersion` dimension), and goes off when its count reaches its threshold in `evaluationPeriods`
 * consecutive periods of `periodMinutes`. The release alarms act only while CodeDeploy shifts traffic, so their
 * window (`periodMinutes` times `evaluationPeriods`) should fit in the deployment's; synth warns where it does not.
 */
export interface AlarmsConfig {
  /**
   * Errors of the new version in one period that count as bad (1 to 10000).
   * @default 1
   */
  readonly errors: number;
  /**
   * Throttles of the new version in one period that count as bad (1 to 10000).
   * @default 1
   */
  readonly throttles: number;
  /**
   * The length of a period in whole minutes, from 1 to 60 (Lambda publishes its metrics every minute).
   * @default 1
   */
  readonly periodMinutes: number;
  /**
   * How many consecutive periods must each reach the threshold. CloudWatch evaluates at most a day of periods
   * shorter than an hour, and at most seven days of hour-long ones.
   * @default 1
   */
  readonly evaluationPeriods: number;
  /**
   * Who hears of the alarms outside deployments too: e-mail addresses subscribed to the environment's alarm topic
   * (`<app>-<environment>-alarms`, in its layer stack), which every on-call alarm notifies when it goes off and when it is OK
   * again. The topic exists without them; other endpoints (a chat channel, a pager) can subscribe to it.
   * @default - no subscription
   */
  readonly notify: readonly string[];
}

/** The strictest alarms: one error or one throttle in a minute stops the release; nobody is e-mailed. */
export const ALARM_DEFAULTS: AlarmsConfig = {
  errors: 1,
  throttles: 1,
  periodMinutes: 1,
  evaluationPeriods: 1,
  notify: [],
};

/**
 * The boundary `cdk bootstrap --example-permissions-boundary` creates, once per account (IAM is global): the CLI's
 * `getExamplePermissionsBoundary` makes `cdk-<qualifier>-permissions-boundary`. (The bootstrap template's own policy,
 * suffixed with the account and region, exists only with `UseExamplePermissionsBoundary=true`, which the CLI never
 * sets: naming it made every role's creation fail on a boundary that does not exist.)
 */
export const CDK_EXAMPLE_PERMISSIONS_BOUNDARY = 'cdk-${Qualifier}-permissions-boundary';

/** The placeholders a permissions boundary's name may hold, each with the longest value it can take. */
const BOUNDARY_PLACEHOLDERS: Record<string, number> = {
  '${AWS::AccountId}': 12,
  '${AWS::Region}': 14,
  '${AWS::Partition}': 10,
  '${Qualifier}': 10,
};

/** The account and region of developers' sandboxes. */
export interface SandboxConfig {
  readonly account: string;
  readonly region: string;
}

export function parseEnvironments(c: Checker, raw: unknown): EnvironmentConfig[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    c.problem(
      'config.environments',
      raw,
      Array.isArray(raw) ? 'must list at least one environment' : raw === undefined ? 'is missing' : 'is not a list',
      'add [{ "name": "dev", "account": "<12 digits>", "region": "<region>" }, ...] in promotion order',
    );
    return [];
  }
  const seen = new Set<string>();
  const out: EnvironmentConfig[] = [];
  raw.forEach((item, i) => {
    const at = `config.environments[${i}]`;
    const e = c.object(item, at, 'each environment is an object { "name", "account", "region" }');
    if (!e) return;
    const name = c.name(e.name, `${at}.name`, 16);
    if (name && seen.has(name)) {
      c.problem(`${at}.name`, name, 'is used by an earlier environment', 'give every environment a unique name');
    }
    if (name) seen.add(name);
    const account = c.account(e.account, `${at}.account`);
    const region = c.region(e.region, `${at}.region`);
    const requiresApproval = c.boolean(e.requiresApproval, `${at}.requiresApproval`, false);
    const deployment =
      e.deployment === undefined
        ? DEFAULT_DEPLOYMENT_STRATEGY
        : c.oneOf(e.deployment, `${at}.deployment`, DEPLOYMENT_STRATEGIES);
    if (deployment === ALL_AT_ONCE && requiresApproval) {
      c.problem(
        `${at}.deployment`,
        deployment,
        'shifts all traffic at once in an environment that needs approval',
        `use a canary or linear strategy such as "${DEFAULT_DEPLOYMENT_STRATEGY}", or set requiresApproval to false`,
      );
    }
    const alarms = parseAlarms(c, e.alarms, `${at}.alarms`);
    const promotion = parsePromotion(c, e.promotion, `${at}.promotion`, { first: i === 0, requiresApproval });
    if (name && account && region && deployment && alarms && promotion)
      out.push({ name, account, region, requiresApproval, deployment, alarms, promotion });
  });
  return out;
}

export function parseSandbox(c: Checker, raw: unknown): SandboxConfig | undefined {
  if (raw === undefined) return undefined;
  const s = c.object(
    raw,
    'config.sandbox',
    'write { "account": "<12 digits>", "region": "<region>" }, or leave it out',
  );
  if (!s) return undefined;
  const account = c.account(s.account, 'config.sandbox.account');
  const region = c.region(s.region, 'config.sandbox.region');
  return account && region ? { account, region } : undefined;
}

export function parsePermissionsBoundary(c: Checker, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  const at = 'config.permissionsBoundary';
  const fix =
    `write the name of an IAM policy (letters, digits and +=,.@_-, at most 128 characters once its placeholders ` +
    `${Object.keys(BOUNDARY_PLACEHOLDERS).join(', ')} are filled in), such as "${CDK_EXAMPLE_PERMISSIONS_BOUNDARY}", or leave it out`;
  if (typeof raw !== 'string') {
    c.problem(at, raw, 'is not a text', fix);
    return undefined;
  }
  let longest = raw;
  for (const [placeholder, length] of Object.entries(BOUNDARY_PLACEHOLDERS))
    longest = longest.split(placeholder).join('x'.repeat(length));
  const unknown = longest.match(/\$\{[^}]*\}/);
  if (unknown) {
    c.problem(at, raw, `holds the unknown placeholder ${unknown[0]}`, fix);
    return undefined;
  }
  if (!/^[\w+=,.@-]+$/.test(longest) || longest.length > 128) {
    c.problem(at, raw, 'is not a valid IAM policy name', fix);
    return undefined;
  }
  return raw;
}

/**
 * The longest range CloudWatch evaluates an alarm over (`PutMetricAlarm`: period times evaluation periods): one day
 * for periods shorter than an hour, seven days for longer ones.
 */
function maxAlarmMinutes(periodMinutes: number): number {
  return periodMinutes < 60 ? 24 * 60 : 7 * 24 * 60;
}

function parseAlarms(c: Checker, raw: unknown, at: string): AlarmsConfig | undefined {
  if (raw === undefined) return ALARM_DEFAULTS;
  const a = c.object(
    raw,
    at,
    'write { "errors": 5, "throttles": 1, "periodMinutes": 1, "evaluationPeriods": 2, "notify": ["oncall@example.com"] } (each optional), or leave it out',
  );
  if (!a) return undefined;
  const known = Object.keys(ALARM_DEFAULTS);
  for (const key of Object.keys(a).filter((k) => !known.includes(k))) {
    c.problem(`${at}.${key}`, a[key], 'is not an alarm setting', `use ${known.map((k) => `"${k}"`).join(', ')}`);
  }
  const errors = c.integer(a.errors, `${at}.errors`, ALARM_DEFAULTS.errors, 1, 10000, 'errors per period');
  const throttles = c.integer(
    a.throttles,
    `${at}.throttles`,
    ALARM_DEFAULTS.throttles,
    1,
    10000,
    'throttles per period',
  );
  const periodMinutes = c.integer(
    a.periodMinutes,
    `${at}.periodMinutes`,
    ALARM_DEFAULTS.periodMinutes,
    1,
    60,
    'minutes',
  );
  const evaluationPeriods = c.integer(
    a.evaluationPeriods,
    `${at}.evaluationPeriods`,
    ALARM_DEFAULTS.evaluationPeriods,
    1,
    maxAlarmMinutes(1),
    'periods',
  );
  if (periodMinutes && evaluationPeriods && periodMinutes * evaluationPeriods > maxAlarmMinutes(periodMinutes)) {
    const max = maxAlarmMinutes(periodMinutes);
    c.problem(
      `${at}.evaluationPeriods`,
      evaluationPeriods,
      `times periodMinutes (${periodMinutes}) is ${periodMinutes * evaluationPeriods} minutes in all, more than ` +
        `CloudWatch evaluates an alarm of ${periodMinutes}-minute periods over (${max / 60} hours)`,
      `use at most ${Math.floor(max / periodMinutes)} periods of ${periodMinutes} minutes; to stop a release, ` +
        `keep periodMinutes times evaluationPeriods within the deployment's minutes (5 for Canary10Percent5Minutes)`,
    );
    return undefined;
  }
  const notify = c.list(a.notify, `${at}.notify`, ALARM_DEFAULTS.notify, (v, itemAt) =>
    c.matching(v, itemAt, EMAIL, 'is not an e-mail address', 'write an address such as "oncall@example.com"'),
  );
  return errors && throttles && periodMinutes && evaluationPeriods
    ? { errors, throttles, periodMinutes, evaluationPeriods, notify }
    : undefined;
}
