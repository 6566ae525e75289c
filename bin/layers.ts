#!/usr/bin/env node
/**
 * `npm run layers -- ls [--env <name> | --sandbox <name>] [--layer <layer>] [--profile <profile>] [--json]`
 * `npm run layers -- prune [--env <name> | --sandbox <name>] [--layer <layer>] [--keep <n>] [--apply] [--profile <profile>]`
 *
 * The lifecycle of the app's layer versions in one environment (the checks and decisions are in
 * `lib/layer-lifecycle/`): `ls` lists every version of each layer, what uses it and which one SSM names, and the
 * region's code storage against its quota; `prune` lists the versions that can safely go (a dry run), and with
 * `--apply` deletes exactly those, each checked again just before. Without `--env` or `--sandbox`, the first
 * environment of `cdk.json`; `--apply` wants it named.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AppConfig } from '../lib/config/app-config';
import { layerInventory, LayerLifecycleError, LifecycleTarget } from '../lib/layer-lifecycle/layer-inventory';
import { applyPrune, DEFAULT_KEEP, planPrune } from '../lib/layer-lifecycle/layer-prune';
import { formatInventory, formatOutcome, formatPlan } from '../lib/layer-lifecycle/layer-report';
import { sandboxEnvironment } from '../lib/stages/sandbox-stage';
import { loadProjectConfig, runTool, ToolError, UsageError } from './project';

const USAGE = [
  'usage: npm run layers -- ls    [--env <name> | --sandbox <name>] [--layer <layer>] [--profile <profile>] [--json]',
  `       npm run layers -- prune [--env <name> | --sandbox <name>] [--layer <layer>] [--keep <n> (default ${DEFAULT_KEEP})] [--apply] [--profile <profile>]`,
].join('\n');

/** What the command line asks for. */
export interface LayersCommand {
  readonly verb: 'ls' | 'prune';
  readonly env?: string;
  readonly sandbox?: string;
  readonly layers: readonly string[];
  readonly profile?: string;
  readonly json: boolean;
  readonly keep: number;
  readonly apply: boolean;
}

/** Reads the command line; every mistake at once. */
export function parseLayersArgs(args: readonly string[]): LayersCommand {
  const [verb, ...rest] = args;
  const problems: string[] = [];
  if (verb !== 'ls' && verb !== 'prune') {
    throw new UsageError(
      `${verb === undefined ? 'no command' : `unknown command "${verb}"`}: use ls or prune\n${USAGE}`,
    );
  }
  const values = new Map<string, string>();
  const layers: string[] = [];
  const flags = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (['--json', '--apply'].includes(arg)) flags.add(arg);
    else if (['--env', '--sandbox', '--profile', '--keep', '--layer'].includes(arg)) {
      const value = rest[++i];
      if (value === undefined || value.startsWith('--')) problems.push(`${arg} wants a value`);
      else if (arg === '--layer') layers.push(value);
      else values.set(arg, value);
    } else problems.push(`unknown option ${arg}`);
  }
  if (values.has('--env') && values.has('--sandbox')) problems.push('--env and --sandbox: give one of them');
  if (verb === 'ls' && (values.has('--keep') || flags.has('--apply')))
    problems.push('--keep and --apply belong to prune');
  if (verb === 'prune' && flags.has('--json')) problems.push('--json belongs to ls');
  const keepText = values.get('--keep') ?? String(DEFAULT_KEEP);
  const keep = Number(keepText);
  if (!/^-?\d+$/.test(keepText) || keep < 1) {
    problems.push(
      `--keep ${keepText}: keep at least the newest version of each layer (a rollback needs it): --keep 1 or more (default ${DEFAULT_KEEP})`,
    );
  }
  if (flags.has('--apply') && !values.has('--env') && !values.has('--sandbox')) {
    problems.push('--apply deletes: name the environment it deletes in, with --env <name> or --sandbox <name>');
  }
  if (problems.length > 0) throw new UsageError(`${problems.join('\n')}\n${USAGE}`);
  return {
    verb,
    env: values.get('--env'),
    sandbox: values.get('--sandbox'),
    layers,
    profile: values.get('--profile'),
    json: flags.has('--json'),
    keep,
    apply: flags.has('--apply'),
  };
}

/** The environment (or sandbox) and layers the command looks at, from the configuration. */
export function lifecycleTarget(config: AppConfig, command: LayersCommand): LifecycleTarget {
  const problems: string[] = [];
  let environment = config.environments[0];
  if (command.sandbox !== undefined) environment = sandboxEnvironment(config, command.sandbox);
  else if (command.env !== undefined) {
    const found = config.environments.find((e) => e.name === command.env);
    if (!found) {
      problems.push(
        `--env ${command.env}: no such environment in cdk.json. Fix: one of ${config.environments.map((e) => e.name).join(', ')}, or --sandbox <name>`,
      );
    } else environment = found;
  }
  const known = config.layers.map((l) => l.name);
  for (const layer of command.layers.filter((l) => !known.includes(l))) {
    problems.push(`--layer ${layer}: no such layer in cdk.json's config.layers. Fix: one of ${known.join(', ')}`);
  }
  if (problems.length > 0) throw new UsageError(`${problems.join('\n')}\n${USAGE}`);
  return {
    appName: config.appName,
    environment: environment.name,
    account: environment.account,
    region: environment.region,
    layers: command.layers.length > 0 ? command.layers : known,
  };
}

/**
 * The clients of the target's account, with the profile's credentials (or the default ones), checked first: no
 * credentials, or another account's, is an error that says which profile to pass.
 */
async function clientsFor(target: LifecycleTarget, profile: string | undefined) {
  const credentials = profile ? fromIni({ profile }) : fromNodeProviderChain();
  const region = target.region;
  const where = `${target.environment} (account ${target.account}, ${target.region})`;
  let account: string | undefined;
  try {
    account = (await new STSClient({ credentials, region }).send(new GetCallerIdentityCommand({}))).Account;
  } catch (error) {
    const fix = profile
      ? `aws sso login --profile ${profile} (or aws configure --profile ${profile})`
      : `pass --profile <a profile of account ${target.account}> (or set AWS_PROFILE)`;
    throw new ToolError(
      `no working AWS credentials for ${where}${profile ? ` in profile ${profile}` : ''}: ${(error as Error).message}\nFix: ${fix}`,
    );
  }
  if (account !== target.account) {
    throw new ToolError(
      `the credentials${profile ? ` of profile ${profile}` : ''} are account ${account}, but ${where} is account ` +
        `${target.account}.\nFix: pass --profile <a profile of account ${target.account}>`,
    );
  }
  return { lambda: new LambdaClient({ credentials, region }), ssm: new SSMClient({ credentials, region }) };
}

async function main(args: readonly string[]): Promise<number> {
  const command = parseLayersArgs(args);
  const target = lifecycleTarget(loadProjectConfig(), command);
  const clients = await clientsFor(target, command.profile);
  const out = (text: string) => process.stdout.write(`${text}\n`);
  try {
    const inventory = await layerInventory(clients, target);
    if (command.verb === 'ls') {
      out(command.json ? JSON.stringify(inventory, null, 2) : formatInventory(inventory));
      return 0;
    }
    const decisions = planPrune(inventory, command.keep);
    out(
      `Prune of ${target.appName}'s layers in ${target.environment} (account ${target.account}, ${target.region}), keeping the ${command.keep} newest of each`,
    );
    out(formatPlan(decisions, command.apply));
    if (!command.apply) {
      if (decisions.some((d) => d.action === 'delete')) {
        out(
          `\nA dry run: nothing was deleted. A deleted layer version cannot come back; to delete these, run again with --apply.`,
        );
      }
      return 0;
    }
    const outcome = await applyPrune(clients, target, decisions, out);
    out(formatOutcome(outcome));
    return 0;
  } catch (error) {
    if (error instanceof LayerLifecycleError) throw new ToolError(error.message);
    throw error;
  }
}

if (require.main === module) runTool(() => main(process.argv.slice(2)));
