/**
 * The gates a release passes between environments, as CodePipeline V2 stage conditions on the stages CDK Pipelines
 * creates (its own API has none, aws-cdk issues 30083 and 32045): which stage gets which condition, in
 * CloudFormation's shape, from each environment's `promotion` setting.
 *
 * - **Bake time.** Before an environment with `promotion.bakeMinutes` is entered, the previous environment's health
 *   alarm must stay out of ALARM that long after its last stage (its smoke test, then its health stack): an
 *   `OnSuccess` condition of that stage, a `CloudWatchAlarm` rule with `WaitTime`; else the release stops there.
 * - **Healthy target.** An environment that requires approval is not deployed into while its own health alarm is in
 *   ALARM: a `BeforeEntry` condition of its layers stage, after the approval.
 * - **Deployment window.** An environment with `promotion.window` is entered only while the window is open: a
 *   `BeforeEntry` `DeploymentWindow` rule on its first stage (its approval, so approvers are asked in the window).
 *   The window and the alarm are never in one condition: CodePipeline checks an alarm there once, perhaps long
 *   before the window opens, and never again.
 * - **Rollback.** Each stage that deploys into an environment with `promotion.rollbackOnFailure` rolls back to the
 *   last execution that passed it when it fails (`OnFailure`, `ROLLBACK`). The approval's stage does not: a rejected
 *   approval is no failed release, and a rollback would ask for the approval again.
 *
 * An alarm lives in its environment's account; a rule reads it through the role its `RoleArn` names, which
 * CodePipeline assumes with the pipeline's role ("The ARN of the IAM service role that performs the declared rule.
 * This is assumed through the roleArn for the pipeline": RuleExecutionInput in the CodePipeline API reference), in
 * the Region its `Region` names. `AlarmName` is a name, not an ARN: the alarm is looked up in that role's account.
 */
import type { EnvironmentConfig } from '../lib/config/environments-config';
import { pascalCase } from '../lib/config/naming';

/** A rule of a condition, as `AWS::CodePipeline::Pipeline` declares it. */
export interface RuleDeclaration {
  readonly Name: string;
  readonly RuleTypeId: {
    readonly Category: 'Rule';
    readonly Owner: 'AWS';
    readonly Provider: string;
    readonly Version: '1';
  };
  readonly Configuration: Record<string, string>;
  readonly RoleArn?: string;
  readonly Region?: string;
}

/** A condition: its rules, and what happens when one of them fails. */
export interface ConditionDeclaration {
  readonly Result: 'FAIL' | 'ROLLBACK';
  readonly Rules: readonly RuleDeclaration[];
}

/** The conditions of one stage, as `AWS::CodePipeline::Pipeline` declares them (one condition per kind). */
export interface StageGates {
  readonly BeforeEntry?: { readonly Conditions: readonly [ConditionDeclaration] };
  readonly OnSuccess?: { readonly Conditions: readonly [ConditionDeclaration] };
  readonly OnFailure?: { readonly Result: 'ROLLBACK' };
}

/** One environment's stages in the pipeline, by name, in order. */
export interface GatedEnvironment {
  readonly environment: EnvironmentConfig;
  /** The stage of the change review and the approval, where the environment requires approval. */
  readonly approvalStage?: string;
  readonly layersStage: string;
  readonly functionStages: readonly string[];
  readonly healthStage: string;
}

/** How a rule reads an environment's health alarm: its name, and the role and Region to read it with. */
export interface HealthAlarmReader {
  readonly alarmName: string;
  readonly roleArn: string;
  readonly region: string;
}

/** The stage of an environment's approval: `<Env>-Approval`. */
export function approvalStageName(environment: string): string {
  return `${pascalCase(environment)}-Approval`;
}

/** The rule that reads an environment's health alarm: it fails when the alarm is in ALARM (within `waitMinutes`). */
function healthRule(name: string, reader: HealthAlarmReader, waitMinutes?: number): RuleDeclaration {
  return {
    Name: name,
    RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'CloudWatchAlarm', Version: '1' },
    Configuration: {
      AlarmName: reader.alarmName,
      AlarmStates: 'ALARM',
      ...(waitMinutes ? { WaitTime: String(waitMinutes) } : {}),
    },
    RoleArn: reader.roleArn,
    Region: reader.region,
  };
}

function windowRule(name: string, window: NonNullable<EnvironmentConfig['promotion']['window']>): RuleDeclaration {
  return {
    Name: name,
    RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'DeploymentWindow', Version: '1' },
    Configuration: { Cron: window.cron, TimeZone: window.timezone },
  };
}

/**
 * The conditions of every gated stage, by stage name, for environments in promotion order; `readerOf` says how the
 * rules read an environment's health alarm. Stages without a gate are left out.
 */
export function promotionGates(
  environments: readonly GatedEnvironment[],
  readerOf: (environment: EnvironmentConfig) => HealthAlarmReader,
): Map<string, StageGates> {
  const gates = new Map<string, StageGates>();
  const add = (stage: string, more: StageGates) => {
    const current = gates.get(stage) ?? {};
    const twice = Object.keys(more).filter((kind) => kind in current);
    // CodePipeline takes one condition of each kind per stage: two gates of one kind would need one condition.
    if (twice.length > 0) throw new Error(`stage ${stage} would get two ${twice.join(', ')} conditions`);
    gates.set(stage, { ...current, ...more });
  };
  const fail = (rules: RuleDeclaration[]) => ({ Conditions: [{ Result: 'FAIL', Rules: rules }] as const });

  environments.forEach((env, i) => {
    const { environment } = env;
    const prefix = pascalCase(environment.name);
    const { bakeMinutes, window, rollbackOnFailure } = environment.promotion;
    const previous = environments[i - 1];
    if (previous && bakeMinutes > 0) {
      const rule = healthRule(
        `${pascalCase(previous.environment.name)}-BakeFor${prefix}`,
        readerOf(previous.environment),
        bakeMinutes,
      );
      add(previous.healthStage, { OnSuccess: fail([rule]) });
    }
    if (window)
      add(env.approvalStage ?? env.layersStage, { BeforeEntry: fail([windowRule(`${prefix}-Window`, window)]) });
    if (environment.requiresApproval) {
      add(env.layersStage, { BeforeEntry: fail([healthRule(`${prefix}-NotInAlarm`, readerOf(environment))]) });
    }
    if (rollbackOnFailure) {
      for (const stage of [env.layersStage, ...env.functionStages, env.healthStage]) {
        add(stage, { OnFailure: { Result: 'ROLLBACK' } });
      }
    }
  });
  return gates;
}

/** The environments whose health alarm some gate reads: the pipeline's role must be able to assume their readers. */
export function environmentsRead(environments: readonly GatedEnvironment[]): EnvironmentConfig[] {
  return environments
    .filter(
      (env, i) => env.environment.requiresApproval || (environments[i + 1]?.environment.promotion.bakeMinutes ?? 0) > 0,
    )
    .map((env) => env.environment);
}
