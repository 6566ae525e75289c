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

/** The summary when the diff finds no change that broadens permissions or replaces or deletes a resource. */
export const REVIEW_ROUTINE = 'No permission is broadened and no resource is replaced or deleted.';
/** Part of the summary when permissions are broadened. */
export const REVIEW_BROADENS = 'This change BROADENS PERMISSIONS (IAM or security groups).';
/** Part of the summary when a resource is replaced or deleted. */
export const REVIEW_DESTRUCTIVE = 'This change REPLACES OR DELETES resources.';

/**
 * The shell commands of the review, from the cloud assembly's root: the full diff of every stack of the environment
 * against what is deployed (its failure, say a lookup role the pipeline cannot assume, fails the step: no approval
 * without a review), then whether it broadens permissions or replaces or deletes a resource, and the link to this
 * build's log, where the diff is. POSIX sh, as CodeBuild runs a buildspec's commands.
 *
 * `--method template` compares templates through each target account's read-only lookup role, the only role the
 * step may assume; it creates no change set.
 */
export function changeReviewCommands(selector: string): string[] {
  const stacks = `'${selector}'`;
  const diff = `cdk diff -a . --method template --exclusively --no-notices`;
  return [
    // arn:<partition>:codebuild:<region>:<account>:build/<project>:<build id>
    `build_arn="$CODEBUILD_BUILD_ARN"; build_id="\${build_arn##*:}"; rest="\${build_arn%:*}"; project="\${rest##*:build/}"; ` +
      `rest="\${rest%:build/*}"; account="\${rest##*:}"; rest="\${rest%:*}"; region="\${rest##*:}"; ` +
      `export ${REVIEW_VARIABLES.link}="https://$region.console.aws.amazon.com/codesuite/codebuild/$account/projects/$project/build/$project:$build_id/?region=$region"`,
    `${diff} --fail-on never ${stacks}`,
    `summary=""; ` +
      `if ! ${diff} --security-only --fail-on broadening ${stacks} > security-diff.txt 2>&1; then ` +
      `cat security-diff.txt; summary="${REVIEW_BROADENS}"; fi; ` +
      `if ! ${diff} --fail-on destructive ${stacks} > /dev/null 2>&1; then ` +
      `summary="\${summary:+$summary }${REVIEW_DESTRUCTIVE}"; fi; ` +
      `export ${REVIEW_VARIABLES.summary}="\${summary:-${REVIEW_ROUTINE}}"; echo "$${REVIEW_VARIABLES.summary}"`,
  ];
}

/** Props of {@link ChangeReviewStep}. */
export interface ChangeReviewStepProps {
  /** The cloud assembly (the synth step's output). */
  readonly input: IFileSetProducer;
  readonly environment: EnvironmentConfig;
  /** Every stage of the environment, each named `<Env>-...` (`pascalCase` of its name): their stacks are diffed. */
  readonly stages: readonly Stage[];
  /** The CDK CLI version the pipeline runs (the project's own). */
  readonly cliVersion: string;
}

/**
 * Before an environment's approval, shows the approver what the approval lets through: `cdk diff` of every stack of
 * the environment (layers and functions, every wave) against what is deployed there, in the build's log, and a
 * one-line summary (permissions broadened, resources replaced or deleted) in the approval's comment. CDK Pipelines
 * prepares a wave's change sets only when the wave starts, so no change set exists yet for most of these stacks.
 */
export class ChangeReviewStep extends CodeBuildStep {
  constructor(id: string, props: ChangeReviewStepProps) {
    const stacks = props.stages.flatMap((stage) => stage.node.findAll().filter(Stack.isStack));
    const lookupRoles = [...new Set(stacks.map(lookupRoleArn))].sort();
    super(id, {
      input: props.input,
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

  /** The one-line summary, for the approval's comment. */
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
