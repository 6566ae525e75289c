/** The doctor's check that an environment account trusts the pipeline account to deploy. */
import { GetRoleCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { BOOTSTRAP_QUALIFIER } from '../config/naming';
import { AccountClients, bootstrapCommand, Target } from './aws-clients';
import type { Finding } from './finding';

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
