/**
 * The checks of `npm run doctor`: what would make a first deploy fail, found before AWS finds it. Each finding says
 * what is wrong and the command that fixes it.
 *
 * Offline: the configuration (the whole validation), Node.js, Python and pip, and whether every layer is built and
 * current. With AWS credentials, per account of the configuration: the CDK bootstrap stack and its version, the
 * environments' trust in the pipeline account, and the pipeline's connection.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  CodeStarConnectionsClient,
  GetConnectionCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-codestar-connections';
import { GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import type { AppConfig } from '../lib/config';
import { ConfigError } from '../lib/config-error';
import { resolveLayerContents } from '../lib/layer-source';
import { loadProjectConfig } from './project';

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
/** The CDK bootstrap qualifier the app synthesizes for (the default). */
export const BOOTSTRAP_QUALIFIER = 'hnb659fds';
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
    return {
      findings: error.problems.map((p) => ({
        level: 'fail' as const,
        check: 'configuration',
        message: `${p.setting} = ${JSON.stringify(p.value)} ${p.message}`,
        fix: p.fix,
      })),
    };
  }
}

/** Node.js, at least {@link MIN_NODE_MAJOR}. */
export function checkNode(version: string = process.versions.node): Finding {
  const major = Number(version.split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? { level: 'ok', check: 'Node.js', message: `v${version}` }
    : {
        level: 'fail',
        check: 'Node.js',
        message: `v${version} is older than ${MIN_NODE_MAJOR}`,
        fix: `install Node.js ${MIN_NODE_MAJOR} or newer`,
      };
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
      : ` --trust ${pipelineAccount} --trust-for-lookup ${pipelineAccount} --cloudformation-execution-policies <policy ARN>`;
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
