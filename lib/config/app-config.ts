/**
 * The typed configuration of the whole project, and the one validation that produces it.
 *
 * Everything a user sets lives in the `config` object of `cdk.json`'s context. `bin/` reads it and hands it to
 * {@link parseConfig}, which checks every setting, collects every problem and either returns an {@link AppConfig}
 * or throws one {@link ConfigError} that lists them all. Nothing below `bin/` reads context or the environment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { ConfigError, Problem } from './config-error';
import {
  ALL_AT_ONCE,
  DEFAULT_DEPLOYMENT_STRATEGY,
  DEPLOYMENT_STRATEGIES,
  DeploymentStrategy,
} from './deployment-strategies';
import { layerFolderProblems } from '../layer-content/layer-source';
import { functionCodeDir } from './project-layout';
import {
  BUILD_IMAGES,
  DEFAULT_NODEJS,
  NODE_END_OF_LIFE,
  pipelineBuildArchitectures,
  TOOLING_ARCHITECTURE,
} from './build-images';
import { ARCHITECTURES, Architecture, newestSupportedRuntime, PYTHON_RUNTIMES, runtimeStatus } from './runtimes';
import { parseServiceSettings, routeConflicts, RoutedFunction, SERVICE_KEYS, ServiceSettings } from './service-config';

/** The key of the project's settings in `cdk.json`'s `context`. */
export const CONFIG_CONTEXT_KEY = 'config';

/** Where the pipeline gets the source from. */
export type SourceConfig = CodeConnectionsSourceConfig | CodeCommitSourceConfig;

/** A GitHub, GitLab or Bitbucket repository reached through an AWS CodeConnections connection. */
export interface CodeConnectionsSourceConfig {
  readonly type: 'codeconnections';
  /** `owner/name` of the repository. */
  readonly repository: string;
  /** The branch whose pushes run the pipeline. */
  readonly branch: string;
  /** ARN of the CodeConnections (or CodeStar Connections) connection, created once in the console. */
  readonly connectionArn: string;
  /**
   * Glob patterns of files whose changes alone do not run the pipeline (a V2 trigger's push filter): a push that
   * touches only these is skipped. At most 8; an empty list runs the pipeline on every push.
   * @default ['README.md', 'docs/**']
   */
  readonly ignoredPaths: readonly string[];
}

/** A CodeCommit repository in the pipeline account. */
export interface CodeCommitSourceConfig {
  readonly type: 'codecommit';
  /** Name of the CodeCommit repository. */
  readonly repository: string;
  /** The branch whose pushes run the pipeline. */
  readonly branch: string;
}

/** Where the pipeline tells people that an approval waits or an execution failed: an existing topic, or e-mails. */
export interface NotificationsConfig {
  /** An existing SNS topic in the pipeline's account and region. */
  readonly topicArn?: string;
  /** Addresses subscribed to a topic the pipeline creates (when there is no `topicArn`). */
  readonly emails: readonly string[];
}

/** The account and region that host the pipeline, and where it reads the source from. */
export interface PipelineConfig {
  readonly account: string;
  readonly region: string;
  readonly source: SourceConfig;
  /**
   * Notifications of approvals waiting and failed executions.
   * @default - none
   */
  readonly notifications?: NotificationsConfig;
  /**
   * The Node.js major version every CodeBuild step of the pipeline runs: one the Amazon Linux 2023 image of each
   * step's architecture offers, and not past its end of life.
   * @default '22' ({@link DEFAULT_NODEJS})
   */
  readonly nodejs: string;
}

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
   * A personal sandbox, deployed from a laptop outside the pipeline (see `SandboxStage`): nothing in it is retained,
   * so destroying it leaves nothing behind, and its smoke-test roles are trusted by its own account.
   * @default false
   */
  readonly sandbox?: boolean;
}

/**
 * The alarms that stop a release: each watches the new version only (through the `live` alias, Lambda's
 * `ExecutedVersion` dimension), and goes off when its count reaches its threshold in `evaluationPeriods`
 * consecutive periods of `periodMinutes`. They act only while CodeDeploy shifts traffic, so their window
 * (`periodMinutes` times `evaluationPeriods`) should fit in the deployment's; synth warns where it does not.
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
   * (`<app>-<environment>-alarms`, in its layer stack), which every alarm notifies when it goes off and when it is OK
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

/** One layer under `layers/<name>`. */
export interface LayerConfig {
  readonly name: string;
  readonly description: string;
  /** Lambda runtimes the layer is built for; the first is the one pip targets. */
  readonly runtimes: readonly string[];
  /** Instruction-set architectures the layer is built for; the first is the one pip targets. */
  readonly architectures: readonly Architecture[];
}

/** One function under `lambda/<name>`, with what calls it and how it runs in production ({@link ServiceSettings}). */
export interface FunctionConfig extends ServiceSettings {
  readonly name: string;
  /** The function stack (one CloudFormation stack per environment) that holds the function. */
  readonly stack: string;
  readonly description: string;
  /** Names of the layers the function uses, in the order Lambda applies them. */
  readonly layers: readonly string[];
  /** @default python3.14, the newest Python runtime Lambda supports */
  readonly runtime: string;
  /** @default arm64 */
  readonly architecture: Architecture;
  /** `module.function` inside `lambda/<name>/`. @default handler.handler */
  readonly handler: string;
  /** @default 256 */
  readonly memorySize: number;
  /** @default 10 */
  readonly timeoutSeconds: number;
  /** @default 30 */
  readonly logRetentionDays: number;
}

/** The whole, validated configuration. */
export interface AppConfig {
  /** Short lower-case name of the application, the first segment of every SSM name. */
  readonly appName: string;
  readonly pipeline: PipelineConfig;
  /** In promotion order. */
  readonly environments: readonly EnvironmentConfig[];
  readonly layers: readonly LayerConfig[];
  readonly functions: readonly FunctionConfig[];
  /**
   * Where personal sandboxes deploy (`npm run sandbox`).
   * @default - the first environment's account and region
   */
  readonly sandbox?: SandboxConfig;
  /**
   * The name of the IAM policy that bounds every role the environments' and sandboxes' stacks create (their
   * permissions boundary). It may hold `${AWS::AccountId}`, `${AWS::Region}`, `${AWS::Partition}` and `${Qualifier}`,
   * so one name fits every account, like the boundary `cdk bootstrap --example-permissions-boundary` creates.
   * @default - no boundary
   */
  readonly permissionsBoundary?: string;
}

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

/** Defaults of the settings a function may leave out. */
export const FUNCTION_DEFAULTS = {
  runtime: 'python3.14',
  architecture: 'arm64' as Architecture,
  handler: 'handler.handler',
  memorySize: 256,
  timeoutSeconds: 10,
  logRetentionDays: 30,
} as const;

/** Defaults of the settings a layer may leave out. */
export const LAYER_DEFAULTS = {
  runtimes: [FUNCTION_DEFAULTS.runtime],
  architectures: [FUNCTION_DEFAULTS.architecture],
} as const;

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const ACCOUNT = /^\d{12}$/;
const CONNECTION_ARN =
  /^arn:aws(-[a-z]+)*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/;
const HANDLER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
/** Lambda's valid CloudWatch Logs retention periods, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
const KNOWN_REGIONS = new Set(RegionInfo.regions.map((r) => r.name));

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** The project's root folder, holding `layers/` and `lambda/`; their folders are checked against the config. */
  readonly projectRoot: string;
  /**
   * The day runtimes are judged on: one Lambda has deprecated by then is refused.
   * @default - today
   */
  readonly today?: Date;
  /**
   * The stacks the service registry has a module for (see `lib/service.ts`): each must be a function stack of the
   * configuration.
   * @default - none checked
   */
  readonly services?: { readonly module: string; readonly stacks: readonly string[] };
}

/**
 * Checks the raw `config` context value and returns the typed configuration.
 * @throws ConfigError listing every problem found, each naming the setting, the value and the fix.
 */
export function parseConfig(raw: unknown, options: ParseConfigOptions): AppConfig {
  const today = options.today ?? new Date();
  const c = new Checker(today);
  const root = c.object(raw, CONFIG_CONTEXT_KEY, 'add a "config" object to the "context" of cdk.json');
  if (!root) {
    c.throwIfAny();
  }
  const r = root ?? {};

  const appName = c.name(r.appName, 'config.appName', 24);
  const pipeline = parsePipeline(c, r.pipeline);
  const environments = parseEnvironments(c, r.environments);
  const layers = parseLayers(c, r.layers, options.projectRoot);
  const functions = parseFunctions(c, r.functions, layers, options.projectRoot);
  if (options.services) unknownServiceStacks(c, options.services, r.functions);
  const nodejs = parseNodejs(c, (r.pipeline as Record<string, unknown> | undefined)?.nodejs, layers, today);
  const sandbox = parseSandbox(c, r.sandbox);
  const permissionsBoundary = parsePermissionsBoundary(c, r.permissionsBoundary);
  unconfiguredFolders(c, options.projectRoot, 'layers', declaredKeys(r.layers));
  unconfiguredFolders(c, options.projectRoot, 'lambda', declaredKeys(r.functions));

  c.throwIfAny();
  return {
    appName: appName!,
    pipeline: { ...pipeline!, nodejs },
    environments,
    layers,
    functions,
    ...(sandbox ? { sandbox } : {}),
    ...(permissionsBoundary ? { permissionsBoundary } : {}),
  };
}

/**
 * `config.pipeline.nodejs`: a Node.js major version, as a string, that the CodeBuild image of every architecture the
 * pipeline's steps run on offers (the tooling's, synth's, and each layer's), and not past its end of life.
 */
function parseNodejs(c: Checker, raw: unknown, layers: readonly LayerConfig[], today: Date): string {
  const at = 'config.pipeline.nodejs';
  if (raw === undefined) return DEFAULT_NODEJS;
  const day = today.toISOString().slice(0, 10);
  const alive = (v: string) => !NODE_END_OF_LIFE[v] || day < NODE_END_OF_LIFE[v];
  const architectures = pipelineBuildArchitectures(layers.map((l) => l.architectures[0]).filter(Boolean));
  const offered = (a: Architecture) => BUILD_IMAGES[a].nodejs;
  // What would work here: offered by the image of every architecture in use, and alive.
  const usable = offered(TOOLING_ARCHITECTURE).filter(
    (v) => alive(v) && architectures.every((a) => offered(a).includes(v)),
  );
  const choose = `write ${usable.map((v) => `"${v}"`).join(' or ')}, or leave the setting out for "${DEFAULT_NODEJS}"`;
  const version = typeof raw === 'number' ? String(raw) : raw;
  const known = new Set(ARCHITECTURES.flatMap(offered));
  if (typeof version !== 'string' || !known.has(version)) {
    c.problem(at, raw, 'is not a Node.js major version the CodeBuild images offer', choose);
    return DEFAULT_NODEJS;
  }
  if (!alive(version)) {
    c.problem(at, raw, `reached its end of life on ${NODE_END_OF_LIFE[version]}`, choose);
    return DEFAULT_NODEJS;
  }
  const missing = architectures.filter((a) => !offered(a).includes(version));
  for (const architecture of missing) {
    const built = layers.filter((l) => l.architectures[0] === architecture).map((l) => `"${l.name}"`);
    const runs = built.length > 0 ? `which builds layers ${built.join(', ')}` : 'which runs synth';
    c.problem(
      at,
      raw,
      `is not offered by ${BUILD_IMAGES[architecture].name} (${architecture}, ${runs}): it offers ${offered(architecture).join(', ')}`,
      `${choose}; or build those layers for an architecture whose image offers it (config.layers.<name>.architectures)`,
    );
  }
  return missing.length > 0 ? DEFAULT_NODEJS : version;
}

function parsePipeline(c: Checker, raw: unknown): PipelineConfig | undefined {
  const p = c.object(raw, 'config.pipeline', 'add "pipeline": { "account", "region", "source" }');
  if (!p) return undefined;
  const account = c.account(p.account, 'config.pipeline.account');
  const region = c.region(p.region, 'config.pipeline.region');
  const source = parseSource(c, p.source);
  const notifications = parseNotifications(c, p.notifications, account, region);
  if (!account || !region || !source) return undefined;
  // `nodejs` is checked with the layers, whose architectures it depends on.
  const nodejs = DEFAULT_NODEJS;
  return notifications ? { account, region, source, notifications, nodejs } : { account, region, source, nodejs };
}

function parseNotifications(
  c: Checker,
  raw: unknown,
  account?: string,
  region?: string,
): NotificationsConfig | undefined {
  if (raw === undefined) return undefined;
  const at = 'config.pipeline.notifications';
  const n = c.object(
    raw,
    at,
    'write { "topicArn": "<SNS topic ARN>" } or { "emails": ["team@example.com"] }, or leave it out',
  );
  if (!n) return undefined;
  if ((n.topicArn === undefined) === (n.emails === undefined)) {
    c.problem(
      at,
      raw,
      'must name either a topicArn or emails',
      'keep one of "topicArn" (an existing topic) and "emails" (a topic the pipeline creates)',
    );
    return undefined;
  }
  if (n.topicArn !== undefined) {
    const topicArn = c.matching(
      n.topicArn,
      `${at}.topicArn`,
      TOPIC_ARN,
      'is not an SNS topic ARN',
      'paste the topic\'s ARN, "arn:aws:sns:<region>:<account>:<name>"',
    );
    const [, , , topicRegion, topicAccount] = (topicArn ?? '').split(':');
    if (topicArn && account && region && (topicRegion !== region || topicAccount !== account)) {
      c.problem(
        `${at}.topicArn`,
        topicArn,
        `is not in the pipeline's account and region (${account}, ${region})`,
        'use a topic in the pipeline\'s account and region, or "emails" for a topic the pipeline creates',
      );
    }
    return topicArn ? { topicArn, emails: [] } : undefined;
  }
  const emails = c.list(n.emails, `${at}.emails`, undefined, (v, itemAt) =>
    c.matching(v, itemAt, EMAIL, 'is not an e-mail address', 'write an address such as "team@example.com"'),
  );
  if (Array.isArray(n.emails) && n.emails.length === 0) {
    c.problem(`${at}.emails`, n.emails, 'is empty', 'list at least one address, or leave "notifications" out');
  }
  return { emails };
}

function parseSource(c: Checker, raw: unknown): SourceConfig | undefined {
  const s = c.object(raw, 'config.pipeline.source', 'add "source": { "type", "repository", "branch", ... }');
  if (!s) return undefined;
  const type = c.oneOf(s.type, 'config.pipeline.source.type', ['codeconnections', 'codecommit']);
  const repository = c.nonEmptyString(
    s.repository,
    'config.pipeline.source.repository',
    type === 'codecommit' ? 'the name of the CodeCommit repository' : 'the repository as "owner/name"',
  );
  const branch = c.nonEmptyString(
    s.branch,
    'config.pipeline.source.branch',
    'the branch that runs the pipeline, e.g. "main"',
  );
  if (type === 'codeconnections') {
    if (repository && !/^[^/\s]+\/[^/\s]+$/.test(repository)) {
      c.problem(
        'config.pipeline.source.repository',
        repository,
        'is not "owner/name"',
        'write the repository as "owner/name", e.g. "my-org/my-repo"',
      );
    }
    const connectionArn = c.matching(
      s.connectionArn,
      'config.pipeline.source.connectionArn',
      CONNECTION_ARN,
      'is not a CodeConnections connection ARN',
      'create a connection (Developer Tools > Settings > Connections) and paste its ARN, "arn:aws:codeconnections:<region>:<account>:connection/<id>"',
    );
    const ignoredPaths = parseIgnoredPaths(c, s.ignoredPaths);
    return repository && branch && connectionArn
      ? { type, repository, branch, connectionArn, ignoredPaths }
      : undefined;
  }
  if (type === 'codecommit') {
    if (s.ignoredPaths !== undefined) {
      c.problem(
        'config.pipeline.source.ignoredPaths',
        s.ignoredPaths,
        'only filters pushes of a CodeConnections source',
        'remove it: a CodeCommit source runs the pipeline on every push to the branch',
      );
    }
    return repository && branch ? { type, repository, branch } : undefined;
  }
  return undefined;
}

/**
 * Warnings for the runtimes in use that Lambda deprecates within {@link DEPRECATION_WARNING_DAYS} of `today`: one
 * per runtime, naming who uses it. Deprecated runtimes are refused by {@link parseConfig} instead.
 */
export function runtimeDeprecationWarnings(config: AppConfig, today: Date): string[] {
  const users = new Map<string, string[]>();
  for (const layer of config.layers)
    for (const r of layer.runtimes) users.set(r, [...(users.get(r) ?? []), `layer ${layer.name}`]);
  for (const fn of config.functions) users.set(fn.runtime, [...(users.get(fn.runtime) ?? []), `function ${fn.name}`]);
  return [...users].flatMap(([runtime, who]) => {
    const status = runtimeStatus(runtime as (typeof PYTHON_RUNTIMES)[number], today);
    if (status.state !== 'deprecated-soon') return [];
    return [
      `${runtime} is deprecated by Lambda on ${status.date} (used by ${who.join(', ')}): move to ${newestSupportedRuntime(today)} before then, or synth will refuse it.`,
    ];
  });
}

/** Pushes that change only documentation do not run the pipeline. */
export const DEFAULT_IGNORED_PATHS = ['README.md', 'docs/**'];

/** Folders whose every file is deployed (layer content, function code) or builds what is: never to be ignored. */
const DEPLOYED_FOLDERS = ['layers/', 'lambda/'];

/** CodePipeline takes at most this many file path patterns in a trigger's push filter. */
const MAX_TRIGGER_PATTERNS = 8;

function parseIgnoredPaths(c: Checker, raw: unknown): string[] {
  const at = 'config.pipeline.source.ignoredPaths';
  if (raw === undefined) return [...DEFAULT_IGNORED_PATHS];
  if (!Array.isArray(raw)) {
    c.problem(
      at,
      raw,
      'is not a list',
      'write a list of glob patterns, e.g. ["*.md", "docs/**"], or [] to run on every push',
    );
    return [];
  }
  if (raw.length > MAX_TRIGGER_PATTERNS) {
    c.problem(
      at,
      raw,
      `lists ${raw.length} patterns, more than the ${MAX_TRIGGER_PATTERNS} a CodePipeline trigger takes`,
      `merge them into at most ${MAX_TRIGGER_PATTERNS} glob patterns (e.g. "docs/**" for a whole folder)`,
    );
  }
  raw.forEach((pattern, i) => {
    if (
      typeof pattern === 'string' &&
      (pattern.startsWith('*') || DEPLOYED_FOLDERS.some((f) => pattern.startsWith(f)))
    ) {
      c.problem(
        `${at}[${i}]`,
        pattern,
        'can match files that are deployed (under layers/ or lambda/)',
        'ignore only files outside layers/ and lambda/, e.g. "README.md" or "docs/**": a push changing a deployed file must run the pipeline',
      );
      return;
    }
    if (typeof pattern !== 'string' || pattern.trim() === '' || pattern.startsWith('/')) {
      c.problem(
        `${at}[${i}]`,
        pattern,
        'is not a glob pattern relative to the repository root',
        'write a pattern such as "docs/**" or "*.md"',
      );
    }
  });
  return raw.filter((p): p is string => typeof p === 'string');
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function parseEnvironments(c: Checker, raw: unknown): EnvironmentConfig[] {
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
    if (name && account && region && deployment && alarms)
      out.push({ name, account, region, requiresApproval, deployment, alarms });
  });
  return out;
}

function parseSandbox(c: Checker, raw: unknown): SandboxConfig | undefined {
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

function parsePermissionsBoundary(c: Checker, raw: unknown): string | undefined {
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

function parseLayers(c: Checker, raw: unknown, projectRoot: string): LayerConfig[] {
  const layers = c.object(
    raw,
    'config.layers',
    'add "layers": { "<name>": { "runtimes": [...], "architectures": [...] } }',
  );
  if (!layers) return [];
  if (Object.keys(layers).length === 0) {
    c.problem('config.layers', raw, 'declares no layer', 'declare at least one layer, one per folder under layers/');
  }
  const out: LayerConfig[] = [];
  for (const [name, value] of Object.entries(layers)) {
    const at = `config.layers.${name}`;
    const validName = c.name(name, `${at} (the layer name)`, 40);
    const l = c.object(value, at, 'each layer is an object { "description", "runtimes", "architectures" }');
    if (!l) continue;
    const description = c.optionalString(l.description, `${at}.description`, `The ${name} layer`, 200);
    const problemsBefore = c.count();
    // Defaults go through the same check: a default runtime Lambda has deprecated is refused like a written one.
    const runtimes = c.list(l.runtimes ?? LAYER_DEFAULTS.runtimes, `${at}.runtimes`, LAYER_DEFAULTS.runtimes, (v, p) =>
      c.runtime(v, p),
    );
    const architectures = c.list(l.architectures, `${at}.architectures`, LAYER_DEFAULTS.architectures, (v, p) =>
      c.architecture(v, p),
    );
    // A layer with an invalid list is kept with empty lists: functions are then not compared with it.
    const listsValid = c.count() === problemsBefore;
    if (validName) {
      for (const problem of layerFolderProblems(projectRoot, name)) c.add(problem);
      out.push({
        name,
        description,
        runtimes: listsValid ? runtimes : [],
        architectures: listsValid ? architectures : [],
      });
    }
  }
  return out;
}

function parseFunctions(c: Checker, raw: unknown, layers: LayerConfig[], projectRoot: string): FunctionConfig[] {
  const functions = c.object(raw, 'config.functions', 'add "functions": { "<name>": { "stack", "layers" } }');
  if (!functions) return [];
  if (Object.keys(functions).length === 0) {
    c.problem(
      'config.functions',
      raw,
      'declares no function',
      'declare at least one function, one per folder under lambda/',
    );
  }
  const layerByName = new Map(layers.map((l) => [l.name, l]));
  const out: FunctionConfig[] = [];
  const routed: RoutedFunction[] = [];
  for (const [name, value] of Object.entries(functions)) {
    const at = `config.functions.${name}`;
    const validName = c.name(name, `${at} (the function name)`, 40);
    const f = c.object(value, at, 'each function is an object { "stack", "layers", ... }');
    if (!f) continue;
    c.knownKeys(f, at, FUNCTION_KEYS);
    const stack = c.name(f.stack, `${at}.stack`, 30);
    const description = c.optionalString(f.description, `${at}.description`, `The ${name} function`, 256);
    const runtime = c.runtime(f.runtime ?? FUNCTION_DEFAULTS.runtime, `${at}.runtime`);
    const architecture =
      f.architecture === undefined
        ? FUNCTION_DEFAULTS.architecture
        : c.architecture(f.architecture, `${at}.architecture`);
    const handler =
      f.handler === undefined
        ? FUNCTION_DEFAULTS.handler
        : c.matching(
            f.handler,
            `${at}.handler`,
            HANDLER,
            'is not "module.function"',
            'name the handler as "module.function", e.g. "handler.handler"',
          );
    const memorySize = c.integer(f.memorySize, `${at}.memorySize`, FUNCTION_DEFAULTS.memorySize, 128, 10240, 'MB');
    const timeoutSeconds = c.integer(
      f.timeoutSeconds,
      `${at}.timeoutSeconds`,
      FUNCTION_DEFAULTS.timeoutSeconds,
      1,
      900,
      'seconds',
    );
    const logRetentionDays =
      f.logRetentionDays === undefined
        ? FUNCTION_DEFAULTS.logRetentionDays
        : c.oneOf(f.logRetentionDays, `${at}.logRetentionDays`, LOG_RETENTION_DAYS);
    const fnLayers = c.list(f.layers, `${at}.layers`, undefined, (v, p) => c.nonEmptyString(v, p, 'a layer name'));
    if (fnLayers.length === 0 && Array.isArray(f.layers)) {
      c.problem(`${at}.layers`, f.layers, 'is empty', 'list the layers the function uses, e.g. ["common"]');
    }
    if (fnLayers.length > 5) {
      c.problem(
        `${at}.layers`,
        fnLayers,
        'lists more than 5 layers',
        'Lambda attaches at most 5 layers to a function; merge some',
      );
    }
    fnLayers.forEach((layerName, i) => {
      const layer = layerByName.get(layerName);
      if (!layer) {
        c.problem(
          `${at}.layers[${i}]`,
          layerName,
          'names no declared layer',
          layerByName.size > 0
            ? `use one of ${[...layerByName.keys()].map((n) => `"${n}"`).join(', ')}, or declare it under config.layers`
            : 'declare it under config.layers',
        );
        return;
      }
      // A layer whose own lists are invalid was reported already; comparing with it would blame the function.
      if (runtime && layer.runtimes.length > 0 && !layer.runtimes.includes(runtime)) {
        c.problem(
          `${at}.runtime`,
          runtime,
          `is not among the runtimes of layer "${layerName}" (${layer.runtimes.join(', ')})`,
          `add "${runtime}" to config.layers.${layerName}.runtimes, or give the function one of those runtimes`,
        );
      }
      if (architecture && layer.architectures.length > 0 && !layer.architectures.includes(architecture)) {
        c.problem(
          `${at}.architecture`,
          architecture,
          `is not among the architectures of layer "${layerName}" (${layer.architectures.join(', ')})`,
          `add "${architecture}" to config.layers.${layerName}.architectures, or give the function one of those architectures`,
        );
      }
    });
    if (new Set(fnLayers).size !== fnLayers.length) {
      c.problem(`${at}.layers`, fnLayers, 'names a layer twice', 'list each layer once');
    }
    if (validName && handler) {
      const moduleFile = `${handler.split('.').slice(0, -1).join('/')}.py`;
      const handlerFile = `lambda/${name}/${moduleFile}`;
      if (!fs.existsSync(path.join(functionCodeDir(projectRoot, name), moduleFile))) {
        c.problem(
          `${at}.handler`,
          handler,
          `has no module file ${handlerFile}`,
          `create ${handlerFile}, or point "handler" at the module that defines the function`,
        );
      }
    }
    const { settings: service, routes } = parseServiceSettings(c, f, at, timeoutSeconds);
    if (validName && stack) routed.push({ name, stack, http: routes });
    if (
      validName &&
      stack &&
      runtime &&
      architecture &&
      handler &&
      memorySize &&
      timeoutSeconds &&
      logRetentionDays &&
      service
    ) {
      out.push({
        name,
        stack,
        description,
        layers: fnLayers,
        runtime,
        architecture,
        handler,
        memorySize,
        timeoutSeconds,
        logRetentionDays,
        ...service,
      });
    }
  }
  routeConflicts(c, routed);
  return out;
}

/** The settings a function object may have. */
const FUNCTION_KEYS = [
  'stack',
  'description',
  'layers',
  'runtime',
  'architecture',
  'handler',
  'memorySize',
  'timeoutSeconds',
  'logRetentionDays',
  ...SERVICE_KEYS,
];

/** Reports each service module registered for a stack that no function of the configuration is in. */
function unknownServiceStacks(
  c: Checker,
  services: NonNullable<ParseConfigOptions['services']>,
  rawFunctions: unknown,
): void {
  const stacks = new Set(
    Object.values(typeof rawFunctions === 'object' && rawFunctions !== null ? rawFunctions : {})
      .map((f) => (typeof f === 'object' && f !== null ? (f as Record<string, unknown>).stack : undefined))
      .filter((s): s is string => typeof s === 'string'),
  );
  for (const name of services.stacks) {
    if (stacks.has(name)) continue;
    c.problem(
      `${services.module}: SERVICES["${name}"]`,
      undefined,
      `is a service module for the stack "${name}", which no function of config.functions is in`,
      stacks.size > 0
        ? `register it under one of the stacks ${[...stacks].map((n) => `"${n}"`).join(', ')}, give a function "stack": "${name}", or remove the entry`
        : `give a function "stack": "${name}", or remove the entry`,
    );
  }
}

/** The names written in a config object, valid or not: a folder with an invalid entry is not unconfigured. */
function declaredKeys(v: unknown): string[] {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : [];
}

function unconfiguredFolders(c: Checker, projectRoot: string, folder: 'layers' | 'lambda', configured: string[]) {
  const dir = path.join(projectRoot, folder);
  if (!fs.existsSync(dir)) return;
  const known = new Set(configured);
  const key = folder === 'layers' ? 'config.layers' : 'config.functions';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (
      !entry.isDirectory() ||
      entry.name.startsWith('.') ||
      entry.name.startsWith('_') ||
      entry.name === '__pycache__'
    )
      continue;
    if (!known.has(entry.name)) {
      c.problem(
        `${key}.${entry.name}`,
        undefined,
        `is missing, but the folder ${folder}/${entry.name} exists`,
        `declare "${entry.name}" under ${key}, or remove the folder`,
      );
    }
  }
}

/** Walks untyped JSON, remembering every problem instead of stopping at the first. */
export class Checker {
  private readonly problems: Problem[] = [];

  constructor(private readonly today: Date) {}

  add(problem: Problem) {
    this.problems.push(problem);
  }

  problem(setting: string, value: unknown, message: string, fix: string) {
    this.problems.push({ setting, value, message, fix });
  }

  count(): number {
    return this.problems.length;
  }

  throwIfAny() {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  /** Reports each key of `o` that is not among `known`: a misspelt setting would otherwise be ignored. */
  knownKeys(o: Record<string, unknown>, at: string, known: readonly string[]): void {
    for (const key of Object.keys(o)) {
      if (known.includes(key)) continue;
      this.problem(
        `${at}.${key}`,
        o[key],
        'is not a setting here',
        `remove it, or use one of ${known.map((k) => `"${k}"`).join(', ')}`,
      );
    }
  }

  object(v: unknown, at: string, fix: string): Record<string, unknown> | undefined {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    this.problem(at, v, v === undefined ? 'is missing' : 'is not an object', fix);
    return undefined;
  }

  nonEmptyString(v: unknown, at: string, what: string): string | undefined {
    if (typeof v === 'string' && v.trim() !== '') return v;
    this.problem(at, v, v === undefined ? 'is missing' : 'must be a non-empty string', `set it to ${what}`);
    return undefined;
  }

  optionalString(v: unknown, at: string, fallback: string, max: number): string {
    if (v === undefined) return fallback;
    if (typeof v === 'string' && v.length <= max) return v;
    this.problem(
      at,
      v,
      `must be a text of at most ${max} characters`,
      'write it as a quoted text of that length, or leave it out for the default',
    );
    return fallback;
  }

  name(v: unknown, at: string, max: number): string | undefined {
    if (typeof v === 'string' && NAME.test(v) && v.length <= max) return v;
    const message =
      v === undefined
        ? 'is missing'
        : typeof v === 'string' && NAME.test(v)
          ? `is longer than ${max} characters`
          : 'is not a valid name';
    this.problem(
      at,
      v,
      message,
      `use lower-case letters, digits and inner hyphens, starting with a letter, at most ${max} characters (e.g. "orders")`,
    );
    return undefined;
  }

  account(v: unknown, at: string): string | undefined {
    return this.matching(
      v,
      at,
      ACCOUNT,
      'is not a 12-digit AWS account id',
      'write the account id as a string of 12 digits, e.g. "123456789012" (keep leading zeros)',
    );
  }

  region(v: unknown, at: string): string | undefined {
    if (typeof v === 'string' && KNOWN_REGIONS.has(v)) return v;
    this.problem(
      at,
      v,
      v === undefined ? 'is missing' : 'is not a known AWS region',
      'use a region code such as "eu-west-1" or "us-east-1"',
    );
    return undefined;
  }

  runtime(v: unknown, at: string): string | undefined {
    const runtime = this.oneOf(v, at, PYTHON_RUNTIMES);
    if (!runtime) return undefined;
    const status = runtimeStatus(runtime, this.today);
    if (status.state === 'deprecated') {
      this.problem(
        at,
        runtime,
        `was deprecated by Lambda on ${status.date}`,
        `move to ${newestSupportedRuntime(this.today)} (in the layers' runtimes and the functions that use them), then run npm run build:layers and the tests`,
      );
      return undefined;
    }
    return runtime;
  }

  architecture(v: unknown, at: string): Architecture | undefined {
    return this.oneOf(v, at, ARCHITECTURES);
  }

  boolean(v: unknown, at: string, fallback: boolean): boolean {
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    this.problem(at, v, 'is not a boolean', 'write true or false, without quotes');
    return fallback;
  }

  integer(v: unknown, at: string, fallback: number, min: number, max: number, unit: string): number | undefined {
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    this.problem(
      at,
      v,
      `is not a whole number of ${unit} from ${min} to ${max}`,
      `set a whole number from ${min} to ${max}`,
    );
    return undefined;
  }

  oneOf<T extends string | number>(v: unknown, at: string, allowed: readonly T[]): T | undefined {
    if (allowed.includes(v as T)) return v as T;
    this.problem(
      at,
      v,
      v === undefined ? 'is missing' : 'is not one of the allowed values',
      `use one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
    );
    return undefined;
  }

  matching(v: unknown, at: string, re: RegExp, message: string, fix: string): string | undefined {
    if (typeof v === 'string' && re.test(v)) return v;
    this.problem(at, v, v === undefined ? 'is missing' : message, fix);
    return undefined;
  }

  /** A list whose every item passes `item`; `fallback` when left out (undefined fallback: required). */
  list<T>(
    v: unknown,
    at: string,
    fallback: readonly T[] | undefined,
    item: (v: unknown, at: string) => T | undefined,
  ): T[] {
    if (v === undefined && fallback) return [...fallback];
    if (!Array.isArray(v) || (fallback && v.length === 0)) {
      this.problem(
        at,
        v,
        v === undefined ? 'is missing' : fallback ? 'must be a non-empty list' : 'is not a list',
        'write a JSON list, e.g. ["..."]',
      );
      return [];
    }
    const out: T[] = [];
    v.forEach((x, i) => {
      const ok = item(x, `${at}[${i}]`);
      if (ok !== undefined) out.push(ok);
    });
    if (new Set(out).size !== out.length && fallback) {
      this.problem(at, v, 'lists a value twice', 'list each value once');
    }
    return out;
  }
}
