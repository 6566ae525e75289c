/** The doctor's check that the permissions boundary of the environments' roles exists in each environment account. */
import { GetPolicyCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { CDK_EXAMPLE_PERMISSIONS_BOUNDARY } from '../config/environments-config';
import { BOOTSTRAP_QUALIFIER } from '../config/naming';
import { boundaryPolicyName } from '../policy/permissions-boundary';
import { AccountClients, bootstrapCommand, Target } from './aws-clients';
import type { Finding } from './finding';

/** The ARN of the boundary policy in a target's account, its placeholders filled in. */
export function boundaryArn(boundary: string, target: Target): string {
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
