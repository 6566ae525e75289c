#!/usr/bin/env node
/**
 * `npm run doctor [-- --aws [--profile <pipeline|environment>=<profile> ...]]`
 *
 * A preflight for the first deploy, and a check of what is deployed (the checks are in `lib/doctor/`, one a file).
 * Offline by default: the configuration, the template's placeholders, the app synthesized as `cdk synth` does it,
 * the tools and the layers. `--aws` also checks each account of the configuration with the credentials of the given profiles (or the
 * default credentials, for the account they belong to), lists the stacks of the app it no longer defines, and warns
 * about each environment's unused layer versions and its region's code storage.
 * Exits 1 when a check fails.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { AppConfig, CONFIG_CONTEXT_KEY } from '../lib/config/app-config';
import { checkAws } from '../lib/doctor/aws-checks';
import type { ClientsFor } from '../lib/doctor/aws-clients';
import { cliBootstrapVersion } from '../lib/doctor/bootstrap-check';
import { checkConfigWith } from '../lib/doctor/config-check';
import type { Finding } from '../lib/doctor/finding';
import { checkLayerVersions } from '../lib/doctor/layer-versions-check';
import { checkLayers } from '../lib/doctor/layers-check';
import { checkOrphanStacks } from '../lib/doctor/orphan-stacks-check';
import { checkPlaceholders } from '../lib/doctor/placeholders-check';
import { checkSynthWith, SynthCheck } from '../lib/doctor/synth-check';
import { checkNode, checkPython } from '../lib/doctor/tools-check';
import { createApp, CreateAppOptions, CreatedApp } from './main';
import { cdkJsonContext, loadProjectConfig, PROJECT_ROOT, runTool, UsageError } from './project';

/**
 * The configuration of the project at `projectRoot`, its `cdk.json` read by the composition: every problem of the one
 * validation, or its summary.
 */
export function checkConfig(projectRoot: string): { findings: Finding[]; config?: AppConfig } {
  return checkConfigWith(() => loadProjectConfig(projectRoot));
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

/** The app of the project at `projectRoot`, built and synthesized as `cdk synth` does (see `checkSynthWith`). */
export function checkSynth(projectRoot: string, options: CheckSynthOptions = {}): SynthCheck {
  return checkSynthWith(projectRoot, {
    context: options.context ?? cdkJsonContext(projectRoot),
    build: options.build ?? createApp,
  });
}

const USAGE = 'usage: npm run doctor [-- --aws [--profile <pipeline|environment>=<profile> ...]]';

interface Options {
  readonly aws: boolean;
  /** Profile by target name (`pipeline` or an environment's name). */
  readonly profiles: ReadonlyMap<string, string>;
}

function parseArgs(args: string[]): Options {
  const profiles = new Map<string, string>();
  let aws = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--aws') aws = true;
    else if (arg === '--profile') {
      const value = args[++i] ?? '';
      const [name, profile] = value.split('=');
      if (!name || !profile)
        throw new UsageError(`--profile wants <pipeline|environment>=<profile>, got "${value}"\n${USAGE}`);
      profiles.set(name, profile);
    } else throw new UsageError(`unknown argument ${arg}\n${USAGE}`);
  }
  if (profiles.size > 0 && !aws) throw new UsageError(`--profile only applies with --aws\n${USAGE}`);
  return { aws, profiles };
}

/** The account some credentials belong to, or why they do not work. */
type Identity = { readonly account: string } | { readonly error: string };

/**
 * Clients per account: from the profile named for it, else the default credentials if they are that account's.
 * Also returns the findings on the named profiles: one whose credentials do not work, or that belongs to another
 * account than the one it is named for, fails (it would otherwise leave that account unchecked, silently).
 */
async function awsClients(
  config: AppConfig,
  profiles: ReadonlyMap<string, string>,
): Promise<{ clientsFor: ClientsFor; findings: Finding[] }> {
  const accountOf = new Map<string, string>([
    ['pipeline', config.pipeline.account],
    ...config.environments.map((e) => [e.name, e.account] as [string, string]),
  ]);
  for (const name of profiles.keys()) {
    if (!accountOf.has(name))
      throw new UsageError(
        `--profile ${name}=...: "${name}" is neither "pipeline" nor an environment (${[...accountOf.keys()].join(', ')})`,
      );
  }
  const identityOf = (credentials: AwsCredentialIdentityProvider): Promise<Identity> =>
    new STSClient({ credentials, region: config.pipeline.region })
      .send(new GetCallerIdentityCommand({}))
      .then((out): Identity => ({ account: out.Account ?? '' }))
      .catch((error: Error): Identity => ({ error: error.message }));

  const findings: Finding[] = [];
  const usable: { account: string; credentials: AwsCredentialIdentityProvider; profile?: string }[] = [];
  for (const [name, profile] of profiles) {
    const credentials = fromIni({ profile });
    const identity = await identityOf(credentials);
    const check = `profile ${profile}`;
    if ('error' in identity) {
      findings.push({
        level: 'fail',
        check,
        message: `its credentials do not work: ${identity.error}`,
        fix: `aws sso login --profile ${profile} (or aws configure --profile ${profile})`,
      });
    } else if (identity.account !== accountOf.get(name)) {
      findings.push({
        level: 'fail',
        check,
        message: `is account ${identity.account}, but ${name} is account ${accountOf.get(name)}`,
        fix: `pass --profile ${name}=<a profile of account ${accountOf.get(name)}>`,
      });
    } else {
      usable.push({ account: identity.account, credentials, profile });
    }
  }
  const fallback = fromNodeProviderChain();
  const fallbackIdentity = await identityOf(fallback);
  if ('account' in fallbackIdentity) usable.push({ account: fallbackIdentity.account, credentials: fallback });

  const clientsFor: ClientsFor = async (account, region) => {
    const found = usable.find((u) => u.account === account);
    if (!found) return undefined;
    const { credentials, profile } = found;
    return {
      ssm: new SSMClient({ credentials, region }),
      iam: new IAMClient({ credentials, region }),
      connections: new CodeStarConnectionsClient({ credentials, region }),
      cloudFormation: new CloudFormationClient({ credentials, region }),
      lambda: new LambdaClient({ credentials, region }),
      profile,
    };
  };
  return { clientsFor, findings };
}

const MARK: Record<Finding['level'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

function print(findings: readonly Finding[]): void {
  const width = Math.max(...findings.map((f) => f.check.length));
  const indent = `\n      ${' '.repeat(width)}  `;
  for (const f of findings) {
    process.stdout.write(`${MARK[f.level]}  ${f.check.padEnd(width)}  ${f.message.split('\n').join(indent)}\n`);
    if (f.fix && f.level !== 'ok') process.stdout.write(`${indent.slice(1)}fix: ${f.fix}\n`);
  }
}

if (require.main === module) {
  runTool(async () => {
    const options = parseArgs(process.argv.slice(2));
    const { findings, config } = checkConfig(PROJECT_ROOT);
    findings.push(...checkPlaceholders(cdkJsonContext(PROJECT_ROOT)[CONFIG_CONTEXT_KEY]));
    // A configuration that does not parse fails synth with the same problems: synth only what parses.
    const synth = config ? checkSynth(PROJECT_ROOT) : undefined;
    findings.push(...(synth?.findings ?? []), checkNode(), ...checkPython(undefined, process.env.PYTHON ?? 'python3'));
    // Without stacks the app did not build, and its findings say why (a layer that cannot be read among them).
    if (config && synth?.stacks) findings.push(...checkLayers(config, PROJECT_ROOT));
    if (options.aws && config) {
      const aws = await awsClients(config, options.profiles);
      findings.push(...aws.findings, ...(await checkAws(config, aws.clientsFor, cliBootstrapVersion(PROJECT_ROOT))));
      findings.push(...(await checkLayerVersions(config, aws.clientsFor)));
      if (synth?.stacks) findings.push(...(await checkOrphanStacks(config, synth.stacks, aws.clientsFor)));
      else {
        findings.push({
          level: 'warn',
          check: 'orphaned stacks',
          message: 'not checked: the app does not build, so which stacks it defines is unknown',
          fix: 'fix the synth failures above, then run npm run doctor -- --aws again',
        });
      }
    }
    print(findings);
    const failed = findings.filter((f) => f.level === 'fail').length;
    const warned = findings.filter((f) => f.level === 'warn').length;
    process.stdout.write(
      `\n${failed} failed, ${warned} warnings${options.aws ? '' : ' (offline; add -- --aws to check the AWS accounts too)'}\n`,
    );
    return failed > 0 ? 1 : 0;
  });
}
