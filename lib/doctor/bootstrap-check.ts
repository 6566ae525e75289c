/** The doctor's check of an account's CDK bootstrap stack, and its version. */
import * as fs from 'fs';
import * as path from 'path';
import { GetParameterCommand, ParameterNotFound } from '@aws-sdk/client-ssm';
import { BOOTSTRAP_QUALIFIER } from '../config/naming';
import { AccountClients, bootstrapCommand, Target } from './aws-clients';
import type { Finding } from './finding';

/** The oldest bootstrap version the synthesized templates accept (their CheckBootstrapVersion rule). */
export const MIN_BOOTSTRAP_VERSION = 6;

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
