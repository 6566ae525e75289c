#!/usr/bin/env node
/**
 * `npm run doctor [-- --aws [--profile <pipeline|environment>=<profile> ...]]`
 *
 * A preflight for the first deploy (see `doctor-checks.ts`). Offline by default; `--aws` also checks each account
 * of the configuration with the credentials of the given profiles (or the default credentials, for the account
 * they belong to). Exits 1 when a check fails.
 */
import { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { AppConfig } from '../lib/config';
import {
  AccountClients,
  checkAws,
  checkConfig,
  checkLayers,
  checkNode,
  checkPython,
  cliBootstrapVersion,
  ClientsFor,
  Finding,
} from './doctor-checks';
import { PROJECT_ROOT, runTool, UsageError } from './project';

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

/** Clients per account: from the profile named for it, else the default credentials if they are that account's. */
function awsClients(config: AppConfig, profiles: ReadonlyMap<string, string>): ClientsFor {
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
  const identities = new Map<AwsCredentialIdentityProvider, Promise<string | undefined>>();
  const accountOfCredentials = (credentials: AwsCredentialIdentityProvider) => {
    if (!identities.has(credentials)) {
      identities.set(
        credentials,
        new STSClient({ credentials, region: config.pipeline.region })
          .send(new GetCallerIdentityCommand({}))
          .then((out) => out.Account)
          .catch(() => undefined),
      );
    }
    return identities.get(credentials)!;
  };
  const named = [...profiles].map(([name, profile]) => ({
    account: accountOf.get(name)!,
    credentials: fromIni({ profile }),
  }));
  const fallback = fromNodeProviderChain();

  return async (account: string, region: string): Promise<AccountClients | undefined> => {
    for (const credentials of [...named.filter((n) => n.account === account).map((n) => n.credentials), fallback]) {
      if ((await accountOfCredentials(credentials)) === account) {
        return {
          ssm: new SSMClient({ credentials, region }),
          iam: new IAMClient({ credentials, region }),
          connections: new CodeStarConnectionsClient({ credentials, region }),
        };
      }
    }
    return undefined;
  };
}

const MARK: Record<Finding['level'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

function print(findings: readonly Finding[]): void {
  const width = Math.max(...findings.map((f) => f.check.length));
  for (const f of findings) {
    process.stdout.write(`${MARK[f.level]}  ${f.check.padEnd(width)}  ${f.message}\n`);
    if (f.fix && f.level !== 'ok') process.stdout.write(`      ${' '.repeat(width)}  fix: ${f.fix}\n`);
  }
}

runTool(async () => {
  const options = parseArgs(process.argv.slice(2));
  const { findings, config } = checkConfig(PROJECT_ROOT);
  findings.push(checkNode(), ...checkPython());
  if (config) findings.push(...checkLayers(config, PROJECT_ROOT));
  if (options.aws && config) {
    findings.push(...(await checkAws(config, awsClients(config, options.profiles), cliBootstrapVersion(PROJECT_ROOT))));
  }
  print(findings);
  const failed = findings.filter((f) => f.level === 'fail').length;
  const warned = findings.filter((f) => f.level === 'warn').length;
  process.stdout.write(
    `\n${failed} failed, ${warned} warnings${options.aws ? '' : ' (offline; add -- --aws to check the AWS accounts too)'}\n`,
  );
  return failed > 0 ? 1 : 0;
});
