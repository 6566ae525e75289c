/**
 * The checks of `npm run doctor`: what would make a first deploy fail, found before AWS finds it. Each finding says
 * what is wrong and the command that fixes it.
 *
 * Offline: the configuration (the whole validation), the template's placeholders still in place, the app built and
 * synthesized as `cdk synth` does it (cdk-nag included), Node.js, Python and pip, and whether every layer is built
 * and current. With AWS credentials, per account of the configuration: the CDK bootstrap stack and its version, the
 * environments' trust in the pipeline account, the pipeline's connection, and the stacks that carry the app's tag
 * but that the app no longer defines.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudFormationClient, paginateDescribeStacks } from '@aws-sdk/client-cloudformation';
import {
  CodeStarConnectionsClient,
  GetConnectionCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-codestar-connections';
import { GetPolicyCommand, GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { App, Stack, Token } from 'aws-cdk-lib';
import { CDK_APP_MODE_CONTEXT, CloudAssembly } from 'aws-cdk-lib/cx-api';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import type { IConstruct } from 'constructs';
import { DEFAULT_NODEJS, NODE_END_OF_LIFE } from '../config/build-images';
import { AppConfig } from '../config/app-config';
import { CDK_EXAMPLE_PERMISSIONS_BOUNDARY } from '../config/environments-config';
import { ConfigError, Problem } from '../config/config-error';
import { resolveLayerContents } from '../layer-content/layer-source';
import { functionStacksOf } from '../stages/function-stage';
import { APP_TAG_KEY, BOOTSTRAP_QUALIFIER, pascalCase } from '../config/naming';
import { boundaryPolicyName } from '../policy/permissions-boundary';
import { createApp, CreateAppOptions, CreatedApp } from '../../bin/main';
import { cdkJsonContext, loadProjectConfig } from '../../bin/project';

/** One result of a check. */
export interface Finding {
  readonly level: 'ok' | 'warn' | 'fail';
  /** What was checked, in a few words. */
  readonly check: string;
  readonly message: string;
  /** The command or change that fixes it (warn and fail). */
  readonly fix?: string;
}

/** The oldest Node.js major version the project supports. */
export const MIN_NODE_MAJOR = 20;
/** The oldest Python and pip the layer builder supports (pip's --platform with --only-binary, --no-compile). */
export const MIN_PYTHON: readonly [number, number] = [3, 9];
export const MIN_PIP_MAJOR = 22;
/** The oldest bootstrap version the synthesized templates accept (their CheckBootstrapVersion rule). */
export const MIN_BOOTSTRAP_VERSION = 6;

// ---------------------------------------------------------------------------------------------------------------
// Offline
// ---------------------------------------------------------------------------------------------------------------

/** The configuration: every problem of the one validation, or its summary. */
export function checkConfig(projectRoot: string): { findings: Finding[]; config?: AppConfig } {
  try {
    const config = loadProjectConfig(projectRoot);
    const accounts = new Set([config.pipeline.account, ...config.environments.map((e) => e.account)]);
    return {
      config,
      findings: [
        {
          level: 'ok',
          check: 'configuration',
          message: `${config.environments.length} environments in ${accounts.size} accounts, ${config.layers.length} layers, ${config.functions.length} functions`,
        },
      ],
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { findings: error.problems.map((p) => problemFinding('configuration', p)) };
  }
}

/** A problem of a {@link ConfigError} as a failed finding: the setting, its value, what is wrong, and the fix. */
function problemFinding(check: string, problem: Problem): Finding {
  const value = problem.value === undefined ? '' : ` = ${JSON.stringify(problem.value)}`;
  return { level: 'fail', check, message: `${problem.setting}${value} ${problem.message}`, fix: problem.fix };
}

/** The AWS accounts of the template's sample configuration: placeholders, never anyone's account. */
export const PLACEHOLDER_ACCOUNTS: readonly string[] = ['111111111111', '222222222222', '333333333333'];
/** The connection id of the sample's `connectionArn`. */
export const PLACEHOLDER_CONNECTION_ID = '00000000-0000-0000-0000-000000000000';
/** The owner of the sample's repository. */
export const PLACEHOLDER_REPOSITORY_PREFIX = 'example-org/';
/** The domain of the sample's notification addresses (reserved: it receives no mail). */
export const PLACEHOLDER_EMAIL_DOMAIN = '@example.com';

/**
 * The template's placeholders still in the configuration (the raw `config` context, so they are found even when
 * something else in it is wrong): each blocks a first deploy, so each fails, naming the setting, its value and what
 * to put there.
 */
export function checkPlaceholders(config: unknown): Finding[] {
  const check = 'placeholder';
  const findings: Finding[] = [];
  const found = (setting: string, value: unknown, message: string, fix: string) =>
    findings.push({ level: 'fail', check, message: `${setting} = ${JSON.stringify(value)} ${message}`, fix });
  const isPlaceholderAccount = (value: unknown) => typeof value === 'string' && PLACEHOLDER_ACCOUNTS.includes(value);
  const accountFix = (whose: string) =>
    `put ${whose} 12-digit AWS account id there (aws sts get-caller-identity --profile <a profile of that account>)`;

  const pipeline = field(config, 'pipeline');
  const pipelineAccount = field(pipeline, 'account');
  if (isPlaceholderAccount(pipelineAccount)) {
    found(
      'config.pipeline.account',
      pipelineAccount,
      "is the template's placeholder account",
      accountFix("the pipeline's"),
    );
  }
  const environments = field(config, 'environments');
  (Array.isArray(environments) ? environments : []).forEach((environment: unknown, i) => {
    const account = field(environment, 'account');
    const name = field(environment, 'name');
    if (isPlaceholderAccount(account)) {
      found(
        `config.environments[${i}].account`,
        account,
        "is the template's placeholder account",
        accountFix(typeof name === 'string' ? `the ${name} environment's` : "the environment's"),
      );
    }
  });

  const source = field(pipeline, 'source');
  const connectionArn = field(source, 'connectionArn');
  if (typeof connectionArn === 'string') {
    const parts = [
      ...PLACEHOLDER_ACCOUNTS.filter((a) => connectionArn.split(':')[4] === a).map(
        (a) => `the placeholder account ${a}`,
      ),
      ...(connectionArn.endsWith(`/${PLACEHOLDER_CONNECTION_ID}`)
        ? [`the placeholder connection id ${PLACEHOLDER_CONNECTION_ID}`]
        : []),
    ];
    if (parts.length > 0) {
      found(
        'config.pipeline.source.connectionArn',
        connectionArn,
        `has ${parts.join(' and ')}: the template's, no connection of yours`,
        'create a connection in the pipeline account (Developer Tools > Settings > Connections in the console, then ' +
          'authorise it) and put its ARN there',
      );
    }
  }
  const repository = field(source, 'repository');
  if (typeof repository === 'string' && repository.startsWith(PLACEHOLDER_REPOSITORY_PREFIX)) {
    found(
      'config.pipeline.source.repository',
      repository,
      `is the template's placeholder repository (owner ${PLACEHOLDER_REPOSITORY_PREFIX.slice(0, -1)})`,
      'put your repository there: "<owner>/<name>" for a connection, the repository\'s name for CodeCommit',
    );
  }
  const placeholderEmails = (setting: string, emails: unknown, who: string) =>
    (Array.isArray(emails) ? emails : []).forEach((email: unknown, i) => {
      if (typeof email === 'string' && email.toLowerCase().endsWith(PLACEHOLDER_EMAIL_DOMAIN)) {
        found(
          `${setting}[${i}]`,
          email,
          `is a placeholder address (${PLACEHOLDER_EMAIL_DOMAIN.slice(1)} receives no mail)`,
          `put the address that should hear of ${who} there, or remove it`,
        );
      }
    });
  placeholderEmails(
    'config.pipeline.notifications.emails',
    field(field(pipeline, 'notifications'), 'emails'),
    'failed pipeline runs',
  );
  (Array.isArray(environments) ? environments : []).forEach((environment: unknown, i) => {
    const name = field(environment, 'name');
    placeholderEmails(
      `config.environments[${i}].alarms.notify`,
      field(field(environment, 'alarms'), 'notify'),
      `the ${typeof name === 'string' ? `${name} environment` : 'environment'}'s alarms`,
    );
  });
  return findings;
}

/** A field of untyped JSON, or undefined. */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** A stack of the built app: its name and where it deploys. */
export interface AppStack {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
}

/** What {@link checkSynth} found, and the app's stacks when the app could be built. */
export interface SynthCheck {
  readonly findings: Finding[];
  /** Undefined when the app could not be built. */
  readonly stacks?: readonly AppStack[];
}

/** Options of {@link checkSynth}. */
export interface CheckSynthOptions {
  /**
   * The context `cdk synth` passes the app.
   * @default - the context of `<projectRoot>/cdk.json`
   */
  readonly context?: Record<string, unknown>;
  /**
   * Builds the app.
   * @default createApp (bin/main.ts), as `cdk synth` runs it
   */
  readonly build?: (options: CreateAppOptions) => CreatedApp;
}

/**
 * The acknowledgement id in an unbuilt layer's warning (lib/python-layer.ts): {@link checkLayers} reports that one,
 * with the command that builds the layer.
 */
const LAYER_NOT_BUILT_ACK = '[ack: python-layers:layer-not-built]';

/**
 * Builds and synthesizes the app as `cdk synth` does (`createApp` with the project's `cdk.json` context, then
 * `app.synth()` into a temporary folder, removed afterwards), so a configuration that fails synth never passes
 * here: each problem of a {@link ConfigError} fails, as does any other failure (a cdk-nag finding makes `synth()`
 * throw its report) and every error annotation (which fails `cdk synth`). Warnings are reported once each, except
 * an unbuilt layer's (see {@link checkLayers}). The validation report is carried in the error (the app mode
 * `inmemory`) instead of printed: the outcome of the validation is the same.
 */
export function checkSynth(projectRoot: string, options: CheckSynthOptions = {}): SynthCheck {
  const check = 'synth';
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-synth-'));
  try {
    const context = { ...(options.context ?? cdkJsonContext(projectRoot)), [CDK_APP_MODE_CONTEXT]: 'inmemory' };
    let app: App;
    try {
      app = (options.build ?? createApp)({ context, projectRoot, outdir }).app;
    } catch (error) {
      return { findings: synthFailure(check, error) };
    }
    const stacks = appStacks(app);
    let assembly: CloudAssembly;
    try {
      assembly = withoutConsoleErrors(() => app.synth());
    } catch (error) {
      return { findings: synthFailure(check, error), stacks };
    }
    const messages = (level: string) => [
      ...new Set(
        assembly.stacksRecursively
          .flatMap((s) => s.messages.filter((m) => m.level === level))
          .map((m) => String(m.entry.data)),
      ),
    ];
    const errors = messages('error');
    const warnings = messages('warning').filter((m) => !m.includes(LAYER_NOT_BUILT_ACK));
    const findings: Finding[] = [
      ...errors.map((message): Finding => ({
        level: 'fail',
        check,
        message,
        fix: 'npx cdk synth shows the construct it is on; change what it names',
      })),
      ...warnings.map((message): Finding => ({
        level: 'warn',
        check,
        message,
        fix: 'npx cdk synth shows the construct it is on; change what it names, or acknowledge it',
      })),
    ];
    if (errors.length === 0) {
      findings.unshift({
        level: 'ok',
        check,
        message: `${stacks.length} stacks synthesized as npx cdk synth does, cdk-nag included`,
      });
    }
    return { findings, stacks };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** A failed synth as findings: each problem of a {@link ConfigError}, or the error's message. */
function synthFailure(check: string, error: unknown): Finding[] {
  if (error instanceof ConfigError) return error.problems.map((p) => problemFinding(check, p));
  return [
    {
      level: 'fail',
      check,
      // Not `instanceof Error`: errors of Node's own modules may come from another realm (jest's sandbox).
      message: `npx cdk synth fails: ${String((error as { message?: unknown })?.message ?? error)}`.trim(),
      fix:
        'fix what it names (npx cdk synth shows where); for a cdk-nag finding, fix the resource, or acknowledge ' +
        'that one finding id with a reason on the narrowest construct (lib/nag-acknowledgements.ts)',
    },
  ];
}

/** Runs `fn` with console.error silenced: synth prints its validation report there, which doctor reports itself. */
function withoutConsoleErrors<T>(fn: () => T): T {
  const original = console.error;
  console.error = () => undefined;
  try {
    return fn();
  } finally {
    console.error = original;
  }
}

/** Every stack of a built app (stages included, nested stacks not): the stacks of its assembly. */
export function appStacks(root: IConstruct): AppStack[] {
  return root.node
    .findAll()
    .filter((c): c is Stack => Stack.isStack(c) && !c.nested)
    .filter((s) => ![s.stackName, s.account, s.region].some((v) => Token.isUnresolved(v)))
    .map((s) => ({ stackName: s.stackName, account: s.account, region: s.region }));
}

/** The Node.js the pipeline's CodeBuild steps run by default, and the one to develop with. */
export const RECOMMENDED_NODE_MAJOR = Number(DEFAULT_NODEJS);

/** Node.js: at least {@link MIN_NODE_MAJOR}, and a warning once its major version has reached its end of life. */
export function checkNode(version: string = process.versions.node, today: Date = new Date()): Finding {
  const major = Number(version.split('.')[0]);
  if (major < MIN_NODE_MAJOR) {
    return {
      level: 'fail',
      check: 'Node.js',
      message: `v${version} is older than ${MIN_NODE_MAJOR}`,
      fix: `install Node.js ${RECOMMENDED_NODE_MAJOR}`,
    };
  }
  const endOfLife = NODE_END_OF_LIFE[String(major)];
  if (endOfLife && today.toISOString().slice(0, 10) >= endOfLife) {
    return {
      level: 'warn',
      check: 'Node.js',
      message: `v${version} reached its end of life on ${endOfLife}: it still works for development, but gets no security fixes`,
      fix: `install Node.js ${RECOMMENDED_NODE_MAJOR}, which the pipeline's CodeBuild steps run`,
    };
  }
  return { level: 'ok', check: 'Node.js', message: `v${version}` };
}

/** What a command printed, or undefined when it could not run. */
export type CommandRunner = (command: string, args: string[]) => string | undefined;

const runCommand: CommandRunner = (command, args) => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.status === 0 ? `${result.stdout}${result.stderr}` : undefined;
};

/** Python 3 and its pip, which the layer builder runs. */
export function checkPython(run: CommandRunner = runCommand, python = process.env.PYTHON ?? 'python3'): Finding[] {
  const version = run(python, ['--version'])?.match(/Python (\d+)\.(\d+)\.(\d+)/);
  if (!version) {
    return [
      {
        level: 'fail',
        check: 'Python',
        message: `${python} does not run`,
        fix: 'install Python 3 (python3 on the PATH, or set PYTHON to its path)',
      },
    ];
  }
  const [major, minor] = [Number(version[1]), Number(version[2])];
  const findings: Finding[] = [
    major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1])
      ? { level: 'ok', check: 'Python', message: `${version[0]}` }
      : {
          level: 'fail',
          check: 'Python',
          message: `${version[0]} is older than ${MIN_PYTHON.join('.')}`,
          fix: `install Python ${MIN_PYTHON.join('.')} or newer`,
        },
  ];
  const pip = run(python, ['-m', 'pip', '--version'])?.match(/^pip (\d+)\.(\d+)/);
  if (!pip) {
    findings.push({
      level: 'fail',
      check: 'pip',
      message: `${python} -m pip does not run`,
      fix: `${python} -m ensurepip --upgrade`,
    });
  } else if (Number(pip[1]) < MIN_PIP_MAJOR) {
    findings.push({
      level: 'fail',
      check: 'pip',
      message: `pip ${pip[1]}.${pip[2]} is older than ${MIN_PIP_MAJOR}`,
      fix: `${python} -m pip install --upgrade pip`,
    });
  } else {
    findings.push({ level: 'ok', check: 'pip', message: `pip ${pip[1]}.${pip[2]}` });
  }
  return findings;
}

/**
 * Every layer built and current (a warning: synth still works, with the layers' source). A layer without
 * third-party packages is complete as source, as synth treats it.
 */
export function checkLayers(config: AppConfig, projectRoot: string): Finding[] {
  return resolveLayerContents(config.layers, { projectRoot }).map((content): Finding => {
    const check = `layer ${content.layer.name}`;
    if (content.kind === 'built') {
      return { level: 'ok', check, message: `built and current (${content.manifest?.packages.length ?? 0} packages)` };
    }
    if (!content.warning)
      return { level: 'ok', check, message: 'not built; no third-party packages, so its source is the whole layer' };
    return { level: 'warn', check, message: content.warning, fix: `npm run build:layers -- ${content.layer.name}` };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// With AWS credentials
// ---------------------------------------------------------------------------------------------------------------

/** The AWS clients of one account and region, with that account's credentials. */
export interface AccountClients {
  readonly ssm: SSMClient;
  readonly iam: IAMClient;
  readonly connections: CodeStarConnectionsClient;
  readonly cloudFormation: CloudFormationClient;
  /**
   * The named profile the credentials come from, for the commands findings print.
   * @default - the default credentials (commands without --profile)
   */
  readonly profile?: string;
}

/** Gives the clients for an account and region, or undefined when there are no credentials for that account. */
export type ClientsFor = (account: string, region: string) => Promise<AccountClients | undefined>;

/** The bootstrap version the project's CDK CLI deploys with `cdk bootstrap`: what "recent enough" means here. */
export function cliBootstrapVersion(projectRoot: string): number | undefined {
  const template = path.join(
    projectRoot,
    'node_modules',
    'aws-cdk',
    'lib',
    'api',
    'bootstrap',
    'bootstrap-template.yaml',
  );
  if (!fs.existsSync(template)) return undefined;
  const match = /CdkBootstrapVersion:[\s\S]*?Value: '(\d+)'/.exec(fs.readFileSync(template, 'utf8'));
  return match ? Number(match[1]) : undefined;
}

/** Runs the checks that need AWS, for every account and region of the configuration. */
export async function checkAws(config: AppConfig, clientsFor: ClientsFor, cliVersion?: number): Promise<Finding[]> {
  const findings: Finding[] = [];
  const pipeline = config.pipeline;
  const targets = [
    { name: 'pipeline', account: pipeline.account, region: pipeline.region },
    ...config.environments.map((e) => ({ name: e.name, account: e.account, region: e.region })),
  ];
  const seen = new Set<string>();
  for (const target of targets) {
    const key = `${target.account}/${target.region}`;
    const clients = await clientsFor(target.account, target.region);
    if (!clients) {
      findings.push({
        level: 'warn',
        check: `${target.name} account ${target.account}`,
        message: 'not checked: no credentials for this account',
        fix: `npm run doctor -- --aws --profile ${target.name}=<a profile of account ${target.account}>`,
      });
      continue;
    }
    if (!seen.has(key)) {
      seen.add(key);
      findings.push(await checkBootstrap(clients, target, pipeline.account, cliVersion));
    }
    if (target.name !== 'pipeline' && target.account !== pipeline.account) {
      findings.push(await checkTrust(clients, target, pipeline.account));
    }
    if (target.name !== 'pipeline' && config.permissionsBoundary) {
      const boundary = boundaryArn(config.permissionsBoundary, target);
      if (!seen.has(boundary)) {
        seen.add(boundary);
        findings.push(await checkBoundary(clients, target, pipeline.account, config.permissionsBoundary));
      }
    }
  }
  if (findings.length > 0 && findings.every((f) => f.message.startsWith('not checked: no credentials'))) {
    findings.push({
      level: 'fail',
      check: 'AWS credentials',
      message: 'no credentials reach any account of the configuration: nothing was checked',
      fix: 'npm run doctor -- --aws --profile pipeline=<profile> --profile <environment>=<profile> ...',
    });
  }
  if (pipeline.source.type === 'codeconnections') {
    const connectionRegion = pipeline.source.connectionArn.split(':')[3];
    const clients = await clientsFor(pipeline.account, connectionRegion);
    if (clients) findings.push(await checkConnection(clients, pipeline.source.connectionArn));
  }
  return findings;
}

interface Target {
  readonly name: string;
  readonly account: string;
  readonly region: string;
}

function bootstrapCommand(target: Target, pipelineAccount: string): string {
  const trust =
    target.account === pipelineAccount
      ? ''
      : ` --trust ${pipelineAccount} --cloudformation-execution-policies <policy ARN>`;
  return `npx cdk bootstrap aws://${target.account}/${target.region} --profile <${target.name}>${trust}`;
}

/** The bootstrap stack exists (its version parameter), at least the version templates need; older than the CLI's: a warning. */
export async function checkBootstrap(
  clients: AccountClients,
  target: Target,
  pipelineAccount: string,
  cliVersion?: number,
): Promise<Finding> {
  const check = `${target.name} bootstrap (${target.account}, ${target.region})`;
  const fix = bootstrapCommand(target, pipelineAccount);
  let version: number;
  try {
    const out = await clients.ssm.send(
      new GetParameterCommand({ Name: `/cdk-bootstrap/${BOOTSTRAP_QUALIFIER}/version` }),
    );
    version = Number(out.Parameter?.Value);
  } catch (error) {
    if (error instanceof ParameterNotFound) {
      return {
        level: 'fail',
        check,
        message: 'not bootstrapped: no CDK bootstrap stack in this account and region',
        fix,
      };
    }
    return {
      level: 'fail',
      check,
      message: `cannot read the bootstrap version: ${(error as Error).message}`,
      fix: 'check the credentials may call ssm:GetParameter',
    };
  }
  if (!(version >= MIN_BOOTSTRAP_VERSION)) {
    return {
      level: 'fail',
      check,
      message: `bootstrap version ${version} is older than ${MIN_BOOTSTRAP_VERSION}, which the templates require`,
      fix,
    };
  }
  if (cliVersion !== undefined && version < cliVersion) {
    return {
      level: 'warn',
      check,
      message: `bootstrap version ${version}; the project's CDK CLI bootstraps version ${cliVersion}`,
      fix,
    };
  }
  return { level: 'ok', check, message: `bootstrap version ${version}` };
}

function boundaryArn(boundary: string, target: Target): string {
  const partition = RegionInfo.get(target.region).partition ?? 'aws';
  const name = boundaryPolicyName(boundary, { ...target, partition, qualifier: BOOTSTRAP_QUALIFIER });
  return `arn:${partition}:iam::${target.account}:policy/${name}`;
}

/**
 * The permissions boundary `config.permissionsBoundary` names exists in the environment's account: every role of its
 * stacks names it, and IAM refuses to create a role whose boundary does not exist, so without it every deploy fails.
 */
export async function checkBoundary(
  clients: AccountClients,
  target: Target,
  pipelineAccount: string,
  boundary: string,
): Promise<Finding> {
  const arn = boundaryArn(boundary, target);
  const name = arn.slice(arn.indexOf(':policy/') + ':policy/'.length);
  const check = `${target.name} permissions boundary (${target.account})`;
  try {
    await clients.iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    return { level: 'ok', check, message: `${name} exists` };
  } catch (error) {
    if (error instanceof NoSuchEntityException) {
      return {
        level: 'fail',
        check,
        message:
          `no IAM policy ${name}: config.permissionsBoundary names it as the boundary of every role the stacks ` +
          'create, and IAM refuses to create a role whose boundary does not exist',
        fix:
          boundary === CDK_EXAMPLE_PERMISSIONS_BOUNDARY
            ? `${bootstrapCommand(target, pipelineAccount)} --example-permissions-boundary (it creates ${name})`
            : `create your boundary policy: aws iam create-policy --policy-name ${name} --policy-document ` +
              `file://<boundary>.json --profile <${target.name}>, or set config.permissionsBoundary to a policy that exists`,
      };
    }
    return {
      level: 'fail',
      check,
      message: `cannot read ${arn}: ${(error as Error).message}`,
      fix: 'check the credentials may call iam:GetPolicy',
    };
  }
}

/** The part of a role's trust policy the trust check reads. */
interface TrustPolicy {
  readonly Statement?: TrustStatement | TrustStatement[];
}
interface TrustStatement {
  readonly Effect?: string;
  readonly Principal?: { readonly AWS?: string | string[] };
}

/** The environment's CDK deploy role trusts the pipeline account (`cdk bootstrap --trust`). */
export async function checkTrust(clients: AccountClients, target: Target, pipelineAccount: string): Promise<Finding> {
  const check = `${target.name} trusts the pipeline account`;
  const roleName = `cdk-${BOOTSTRAP_QUALIFIER}-deploy-role-${target.account}-${target.region}`;
  const fix = bootstrapCommand(target, pipelineAccount);
  try {
    const out = await clients.iam.send(new GetRoleCommand({ RoleName: roleName }));
    const document = JSON.parse(decodeURIComponent(out.Role?.AssumeRolePolicyDocument ?? '{}')) as TrustPolicy;
    const principals = [document.Statement ?? []]
      .flat()
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => [s.Principal?.AWS ?? []].flat().map(String));
    const trusted = principals.some(
      (p: string) => p === pipelineAccount || new RegExp(`^arn:[^:]+:iam::${pipelineAccount}:root$`).test(p),
    );
    return trusted
      ? { level: 'ok', check, message: `${roleName} may be assumed from ${pipelineAccount}` }
      : { level: 'fail', check, message: `${roleName} does not trust account ${pipelineAccount}`, fix };
  } catch (error) {
    if (error instanceof NoSuchEntityException) {
      return { level: 'fail', check, message: `no ${roleName}: the account is not bootstrapped for deploys`, fix };
    }
    return {
      level: 'fail',
      check,
      message: `cannot read ${roleName}: ${(error as Error).message}`,
      fix: 'check the credentials may call iam:GetRole',
    };
  }
}

/** The pipeline's connection exists and is AVAILABLE (a new one is PENDING until someone authorises it). */
export async function checkConnection(clients: AccountClients, connectionArn: string): Promise<Finding> {
  const check = 'connection';
  try {
    const out = await clients.connections.send(new GetConnectionCommand({ ConnectionArn: connectionArn }));
    const status = out.Connection?.ConnectionStatus;
    if (status === 'AVAILABLE')
      return { level: 'ok', check, message: `${out.Connection?.ConnectionName} is AVAILABLE` };
    return {
      level: 'fail',
      check,
      message: `${out.Connection?.ConnectionName ?? connectionArn} is ${status}`,
      fix: 'open Developer Tools > Settings > Connections in the console and finish (authorise) the connection',
    };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      return {
        level: 'fail',
        check,
        message: `no connection ${connectionArn}`,
        fix: 'create the connection, then put its ARN in config.pipeline.source.connectionArn',
      };
    }
    return {
      level: 'fail',
      check,
      message: `cannot read the connection: ${(error as Error).message}`,
      fix: 'check the credentials may call codestar-connections:GetConnection',
    };
  }
}

/**
 * The stacks that carry the app's tag (`app=<appName>`) in an account and region of the configuration but are no
 * stack of the app (a removed or renamed function stack, environment or layer stack): the pipeline neither updates
 * nor deletes them. Each is a warning with the command that deletes it; `stacks` are the app's own
 * ({@link appStacks}), so what counts as defined is what the app builds, not a naming rule of its own.
 */
/**
 * A stack of some developer's sandbox of this configuration (`Sandbox-<Name>-Layers`, `Sandbox-<Name>-Functions-<Stack>`
 * of a stack `config.functions` still has): the app defines it for that sandbox's name, so it is no orphan. A sandbox
 * stack of a function stack the configuration no longer has is one.
 */
export function isSandboxStackOf(config: AppConfig, stackName: string): boolean {
  const match = /^Sandbox-[A-Z][A-Za-z0-9]*-(.+)$/.exec(stackName);
  if (!match) return false;
  const parts = ['Layers', ...[...functionStacksOf(config.functions).keys()].map((s) => `Functions-${pascalCase(s)}`)];
  return parts.includes(match[1]);
}

export async function checkOrphanStacks(
  config: AppConfig,
  stacks: readonly AppStack[],
  clientsFor: ClientsFor,
): Promise<Finding[]> {
  const targets = new Map<string, { names: string[]; account: string; region: string }>();
  for (const t of [
    { name: 'pipeline', account: config.pipeline.account, region: config.pipeline.region },
    ...config.environments.map((e) => ({ name: e.name, account: e.account, region: e.region })),
  ]) {
    const key = `${t.account}/${t.region}`;
    const target = targets.get(key) ?? { names: [], account: t.account, region: t.region };
    target.names.push(t.name);
    targets.set(key, target);
  }
  const tag = `${APP_TAG_KEY}=${config.appName}`;
  const findings: Finding[] = [];
  const sandboxTarget = config.sandbox ?? config.environments[0];
  for (const target of targets.values()) {
    const clients = await clientsFor(target.account, target.region);
    if (!clients) continue; // checkAws reports the account as not checked.
    const check = `${target.names.join(', ')} stacks (${target.account}, ${target.region})`;
    const defined = new Set(
      stacks.filter((s) => s.account === target.account && s.region === target.region).map((s) => s.stackName),
    );
    const sandboxes = sandboxTarget.account === target.account && sandboxTarget.region === target.region;
    let tagged: { name: string; status: string }[];
    try {
      tagged = [];
      for await (const page of paginateDescribeStacks({ client: clients.cloudFormation }, {})) {
        for (const stack of page.Stacks ?? []) {
          if (stack.StackStatus === 'DELETE_COMPLETE') continue;
          if (!stack.Tags?.some((t) => t.Key === APP_TAG_KEY && t.Value === config.appName)) continue;
          tagged.push({ name: stack.StackName ?? '', status: stack.StackStatus ?? '' });
        }
      }
    } catch (error) {
      findings.push({
        level: 'warn',
        check,
        message: `cannot list the stacks: ${(error as Error).message}`,
        fix: 'check the credentials may call cloudformation:DescribeStacks',
      });
      continue;
    }
    const orphans = tagged.filter((s) => !defined.has(s.name) && !(sandboxes && isSandboxStackOf(config, s.name)));
    for (const orphan of orphans) {
      const profile = clients.profile ? ` --profile ${clients.profile}` : '';
      findings.push({
        level: 'warn',
        check,
        message:
          `${orphan.name} (${orphan.status}) carries ${tag} but is no stack of the app: the pipeline neither ` +
          'updates nor deletes it. Deleting it leaves what it retains (layer versions stay)',
        fix: `aws cloudformation delete-stack --stack-name ${orphan.name} --region ${target.region}${profile}`,
      });
    }
    if (orphans.length === 0) {
      findings.push({
        level: 'ok',
        check,
        message: `no stack carries ${tag} that the app does not define (${tagged.length} of its stacks deployed here)`,
      });
    }
  }
  return findings;
}
