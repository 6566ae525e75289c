/** What the doctor's AWS checks are given: the clients of each account, and where a check looks. */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SSMClient } from '@aws-sdk/client-ssm';

/** The AWS clients of one account and region, with that account's credentials. */
export interface AccountClients {
  readonly ssm: SSMClient;
  readonly iam: IAMClient;
  readonly connections: CodeStarConnectionsClient;
  readonly cloudFormation: CloudFormationClient;
  readonly lambda: LambdaClient;
  /**
   * The named profile the credentials come from, for the commands findings print.
   * @default - the default credentials (commands without --profile)
   */
  readonly profile?: string;
}

/** Gives the clients for an account and region, or undefined when there are no credentials for that account. */
export type ClientsFor = (account: string, region: string) => Promise<AccountClients | undefined>;

/** An account and region a check looks at: the pipeline's or an environment's. */
export interface Target {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  /** The pipeline's own account and region, bootstrapped with the rights to create the pipeline. */
  readonly isPipeline?: boolean;
}

/**
 * The command that bootstraps a target: the pipeline's as an administrator's, an environment's trusting the pipeline
 * account with the restricted execution policy, which `npm run bootstrap-policy` writes and prints in full.
 */
export function bootstrapCommand(target: Target, pipelineAccount: string): string {
  const command = `npx cdk bootstrap aws://${target.account}/${target.region} --profile <${target.name}>`;
  if (target.isPipeline) return command;
  const trust = target.account === pipelineAccount ? '' : ` --trust ${pipelineAccount}`;
  return `${command}${trust} --cloudformation-execution-policies <policy ARN> (npm run bootstrap-policy prints it in full)`;
}
