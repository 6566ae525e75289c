import { Aws, DefaultStackSynthesizer, Duration, Stack, Stage } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodeBuildStep, IFileSetProducer } from 'aws-cdk-lib/pipelines';
import { EnvironmentPlaceholders } from 'aws-cdk-lib/cx-api';
import type { EnvironmentConfig } from '../lib/config/environments-config';
import { pascalCase } from '../lib/config/naming';
import { installCdkCli } from './cdk-cli';

/** The variables the step exports for the approval that follows it. */
export const REVIEW_VARIABLES = { link: 'REVIEW_LINK', summary: 'REVIEW_SUMMARY' } as const;

/** Where the step puts the cloud assembly in the source checkout it runs from. */
export const REVIEW_ASSEMBLY_DIR = 'cdk.out';

/** The classifier of the diff, run from the source checkout (standard-library Python, on the CodeBuild image). */
export const REVIEW_TOOL = 'tools/review_changes.py';

/**
 * The shell commands of the review, from the source checkout with the cloud assembly in `cdk.out`: the full diff of
 * every stack of the environment against what is deployed, in the log (its failure, say a lookup role the pipeline
 * cannot assume, fails the step: no approval without a review); the CLI's own verdict on broadened permissions; then
 * `tools/review_changes.py`, which sorts every change of every stack into what a reviewer weighs (code and layer
 * versions moved, permissions broadened, stateful resources replaced or deleted, anything else replaced), prints it
 * per stack and writes the summary the approval's comment carries; and the link to this build's log. POSIX sh, as
 * CodeBuild runs a buildspec's commands.
 *
 * `--method template` compares templates through each target account's read-only lookup role, the only role the
 * step may assume; it creates no change set.
 */
export function changeReviewCommands(selector: string): string[] {
  const stacks = `'${selector}'`;
  const diff = `cdk diff -a ${REVIEW_ASSEMBLY_DIR} --method template --exclusively --no-notices`;
  return [
    // arn:<partition>:codebuild:<region>:<account>:build/<project>:<build id>
    `build_arn="$CODEBUILD_BUILD_ARN"; build_id="\${build_arn##*:}"; rest="\${build_arn%:*}"; project="\${rest##*:build/}"; ` +
      `rest="\${rest%:build/*}"; account="\${rest##*:}"; rest="\${rest%:*}"; region="\${rest##*:}"; ` +
      `export ${REVIEW_VARIABLES.link}="https://$region.console.aws.amazon.com/codesuite/codebuild/$account/projects/$project/build/$project:$build_id/?region=$region"`,
    `diff_status=0; ${diff} --fail-on never ${stacks} > review-diff.txt 2>&1 || diff_status=$?; ` +
      `cat review-diff.txt; [ "$diff_status" -eq 0 ]`,
    `broadening=no; ${diff} --security-only --fail-on broadening ${stacks} > /dev/null 2>&1 || broadening=yes`,
    `python3 ${REVIEW_TOOL} --diff review-diff.txt --assembly ${REVIEW_ASSEMBLY_DIR} --cli-broadening "$broadening" ` +
      `--summary-file review-summary.txt`,
    `export ${REVIEW_VARIABLES.summary}="$(cat review-summary.txt)"`,
  ];
}

/** Props of {@link ChangeReviewStep}. */
export interface ChangeReviewStepProps {
  /** The source checkout: the step runs `tools/review_changes.py` from it. */
  readonly source: IFileSetProducer;
  /** The cloud assembly (the synth step's output), put in `cdk.out` of the checkout. */
  readonly assembly: IFileSetProducer;
  readonly environment: EnvironmentConfig;
  /** Every stage of the environment, each named `<Env>-...` (`pascalCase` of its name): their stacks are diffed. */
  readonly stages: readonly Stage[];
  /** The CDK CLI version the pipeline runs (the project's own). */
  readonly cliVersion: string;
}

/**
 * Before an environment's approval, shows the approver what the approval lets through: `cdk diff` of every stack of
 * the environment (layers and functions, every wave) against what is deployed there, in the build's log, with the
 * review of each stack (routine version moves, permissions broadened, stateful resources replaced or deleted, other
 * resources replaced or deleted), and its summary in the approval's comment. CDK Pipelines prepares a wave's change
 * sets only when the wave starts, so no change set exists yet for most of these stacks.
 */
export class ChangeReviewStep extends CodeBuildStep {
  constructor(id: string, props: ChangeReviewStepProps) {
    const stacks = props.stages.flatMap((stage) => stage.node.findAll().filter(Stack.isStack));
    const lookupRoles = [...new Set(stacks.map(lookupRoleArn))].sort();
    super(id, {
      input: props.source,
      additionalInputs: { [REVIEW_ASSEMBLY_DIR]: props.assembly },
      installCommands: [installCdkCli(props.cliVersion)],
      commands: changeReviewCommands(environmentStacksSelector(props.environment, props.stages)),
      rolePolicyStatements: [new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: lookupRoles })],
      buildEnvironment: {
        buildImage: codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5,
        computeType: codebuild.ComputeType.SMALL,
      },
      timeout: Duration.minutes(20),
    });
  }

  /** The link to this build's log, for the approval. */
  get link(): string {
    return this.exportedVariable(REVIEW_VARIABLES.link);
  }

  /** The summary of the review, for the approval's comment. */
  get summary(): string {
    return this.exportedVariable(REVIEW_VARIABLES.summary);
  }
}

/**
 * The CLI's selector of every stack of an environment, and of no other: `<PipelineStack>/<Env>-*\/*`. Stage names are
 * `<Env>-<what>`, and no other environment's `pascalCase` name is `<Env>` (names are unique and lower-case).
 */
export function environmentStacksSelector(environment: EnvironmentConfig, stages: readonly Stage[]): string {
  const scopes = new Set(stages.map((stage) => stage.node.scope!.node.path));
  if (scopes.size !== 1) throw new Error(`the stages of ${environment.name} are not under one scope`);
  return `${[...scopes][0]}/${pascalCase(environment.name)}-*/*`;
}

/** The read-only lookup role the CLI assumes to read a stack's deployed template (trusted through `--trust`). */
function lookupRoleArn(stack: Stack): string {
  const synthesizer = stack.synthesizer;
  const arn =
    synthesizer instanceof DefaultStackSynthesizer && synthesizer.lookupRole
      ? synthesizer.lookupRole
      : DefaultStackSynthesizer.DEFAULT_LOOKUP_ROLE_ARN.replace(
          '${Qualifier}',
          DefaultStackSynthesizer.DEFAULT_QUALIFIER,
        );
  return EnvironmentPlaceholders.replace(arn, {
    accountId: stack.account,
    region: stack.region,
    partition: Aws.PARTITION,
  });
}
