/**
 * The doctor's check that the pipeline account's bootstrap can still deploy the pipeline: `cdk deploy PipelineStack`
 * and every self-mutation run CloudFormation with the bootstrap's execution role of the pipeline's account and region.
 */
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { BOOTSTRAP_STACK_NAME } from '../config/naming';
import { executionPolicyName } from '../policy/execution-policy';
import type { AccountClients, Target } from './aws-clients';
import type { Finding } from './finding';

/**
 * The pipeline's bootstrap stack runs CloudFormation with rights that can create the pipeline: not the environments'
 * restricted execution policy (`npm run bootstrap-policy`), and no permissions boundary on its execution role (the
 * example boundary refuses to create a role without it, and the pipeline's roles have none).
 */
export async function checkPipelineBootstrap(
  clients: AccountClients,
  target: Target,
  appName: string,
): Promise<Finding> {
  const check = `pipeline bootstrap can deploy the pipeline (${target.account}, ${target.region})`;
  const profile = clients.profile ? ` --profile ${clients.profile}` : ' --profile <pipeline>';
  const fix =
    `npx cdk bootstrap aws://${target.account}/${target.region}${profile} ` +
    '--cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess (or a policy of your own that ' +
    'can create the pipeline: CodePipeline, CodeBuild, S3, KMS, IAM roles, SNS, events; without a boundary option ' +
    'the CLI removes the boundary)';
  let parameters: Map<string, string>;
  try {
    const out = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: BOOTSTRAP_STACK_NAME }));
    parameters = new Map(
      (out.Stacks?.[0]?.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']),
    );
  } catch (error) {
    if ((error as Error).name === 'ValidationError') {
      // No bootstrap stack: the bootstrap check reports it, with the command that creates one.
      return {
        level: 'ok',
        check,
        message: `not bootstrapped yet (no ${BOOTSTRAP_STACK_NAME} stack): nothing to check`,
      };
    }
    return {
      level: 'fail',
      check,
      message: `cannot read the ${BOOTSTRAP_STACK_NAME} stack: ${(error as Error).message}`,
      fix: 'check the credentials may call cloudformation:DescribeStacks',
    };
  }
  const problems: string[] = [];
  const restricted = (parameters.get('CloudFormationExecutionPolicies') ?? '')
    .split(',')
    .filter((arn) => arn.endsWith(`:policy/${executionPolicyName(appName)}`));
  if (restricted.length > 0) {
    problems.push(`its execution role has the environments' restricted policy ${restricted.join(', ')}`);
  }
  const boundary = parameters.get('InputPermissionsBoundary') ?? '';
  if (boundary !== '') {
    problems.push(`its execution role is bounded by ${boundary}, which refuses to create the pipeline's roles`);
  }
  if (problems.length === 0) {
    return { level: 'ok', check, message: 'the execution role is neither restricted to the environments nor bounded' };
  }
  return {
    level: 'fail',
    check,
    message: `${problems.join('; ')}: cdk deploy PipelineStack and every self-mutation would fail`,
    fix,
  };
}
