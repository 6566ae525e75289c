import { Aws, Duration } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodeBuildStep, IFileSetProducer } from 'aws-cdk-lib/pipelines';
import type { FunctionStage } from '../lib/stages/function-stage';
import { smokeTestSpec } from '../lib/local/smoke-test-spec';

/** The command the step runs, from the source checkout (standard library Python and the AWS CLI). */
export const SMOKE_TEST_COMMAND = 'python3 tools/smoke_test.py';

/** Props of {@link SmokeTestStep}. */
export interface SmokeTestStepProps {
  /** The source: the step runs `tools/smoke_test.py` and reads the functions' sample events from it. */
  readonly input: IFileSetProducer;
  /** The function stages of the wave just deployed, all of one environment: every function in them is tested. */
  readonly stages: readonly FunctionStage[];
  /** The environment's smoke-test runner (`smokeTestRunnerRoleName`), the one role its stacks' roles trust. */
  readonly role: iam.IRole;
}

/** Minutes of the step beyond the functions' own timeouts: starting, assuming roles, reading outputs and SSM. */
const STEP_OVERHEAD_MINUTES = 10;

/**
 * After a function stage deploys: in the environment's account (through each stack's smoke-test role), reads each
 * function's name from its stack's outputs, invokes its `live` alias once and checks that the layer versions it
 * runs with are those SSM names, then calls each route of the stack's HTTP API once (signed where it needs IAM) and
 * expects a 2xx answer. A failure fails the stage, so nothing is promoted further. Its own role may
 * assume those roles and nothing more.
 *
 * The names are read by the step, not passed in as the pipeline's variables: CodePipeline allows an action's
 * settings 1000 characters, which a few functions' variables would exceed (aws-cdk issue 17067).
 */
export class SmokeTestStep extends CodeBuildStep {
  constructor(id: string, props: SmokeTestStepProps) {
    const environment = props.stages[0].layerStage.environment;
    const stacks = props.stages.flatMap((stage) => stage.functionStacks);
    const spec = smokeTestSpec(environment, stacks);
    const roleArns = spec.targets.map((t) => `arn:${Aws.PARTITION}:iam::${t.account}:role/${t.roleName}`);
    // The functions are invoked one after another, each up to its own timeout; then each route is called once (API
    // Gateway ends a call at 30 seconds).
    const functionMinutes =
      stacks
        .flatMap((stack) => [...stack.functions.values()])
        .reduce((sum, fn) => sum + Math.ceil((fn.function.timeout?.toSeconds() ?? 3) / 60), 0) +
      stacks.reduce((sum, stack) => sum + (stack.httpApi?.routes.length ?? 0), 0);

    super(id, {
      input: props.input,
      commands: [SMOKE_TEST_COMMAND],
      env: { SMOKE_TEST_SPEC: JSON.stringify(spec) },
      role: props.role,
      rolePolicyStatements: [new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: roleArns })],
      buildEnvironment: {
        buildImage: codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5,
        computeType: codebuild.ComputeType.SMALL,
      },
      timeout: Duration.minutes(Math.min(480, STEP_OVERHEAD_MINUTES + functionMinutes)),
    });
  }
}
