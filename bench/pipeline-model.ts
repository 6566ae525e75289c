/**
 * A model of the pipeline's time, read from the synthesized cloud assembly: from a push to the end of each
 * environment, the actions on the critical path, how many of them provision a CodeBuild host, and an estimate of
 * the minutes they take from stated per-action costs. The costs are estimates, named here with where they come
 * from; the shape (what runs after what) is exactly what the pipeline template says.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Per-action costs, in seconds. */
export interface ActionCosts {
  /** The source action: CodePipeline fetching the commit through the connection. */
  readonly source: number;
  /**
   * A CodeBuild host: queueing, provisioning the container, downloading the source and artifacts, and uploading
   * the output (CodeBuild's SUBMITTED, QUEUED, PROVISIONING, DOWNLOAD_SOURCE, UPLOAD_ARTIFACTS and FINALIZING
   * phases). CodeBuild's build-phase reports put these at about a minute for on-demand EC2 hosts.
   */
  readonly codeBuildHost: number;
  /** `npm ci` of this project's dependencies with a warm npm cache (measured here: 25 to 40 s). */
  readonly npmCi: number;
  /** `npm run build:layers` of the project's layers, with a warm pip cache (the benchmark's first build). */
  readonly layerBuild: number;
  /** `npm test`: the benchmark's own measurement of the suite, on a host like a MEDIUM CodeBuild one. */
  readonly tests: number;
  /** `cdk synth` of the project (the benchmark's own measurement). */
  readonly synth: number;
  /** Self-mutation: installing the pinned CLI, then a `cdk deploy` of the pipeline stack with no change. */
  readonly selfMutation: number;
  /** Asset publishing: installing the pinned CDK CLI, then uploading the layer and function zips to each account. */
  readonly assets: number;
  /** The smoke test: assuming roles, one invocation per function and the SSM reads (one to two minutes). */
  readonly smokeTest: number;
  /** Creating a CloudFormation change set (a Prepare action). */
  readonly changeSet: number;
  /** Executing a change set of a stack without a traffic shift (a Deploy action: layer stack, small updates). */
  readonly deploy: number;
}

/**
 * The costs the benchmark states: estimates from the sources above, with tests, synth and the layer build
 * replaced by what the benchmark measured in the same run where it measured them.
 */
export const DEFAULT_ACTION_COSTS: ActionCosts = {
  source: 15,
  codeBuildHost: 60,
  npmCi: 35,
  layerBuild: 20,
  tests: 90,
  synth: 10,
  selfMutation: 60,
  assets: 45,
  smokeTest: 90,
  changeSet: 20,
  deploy: 60,
};

/**
 * How long CodeDeploy takes to shift a function's alias under each predefined configuration: the bake time before
 * the last shift (CodeDeploy's `CodeDeployDefault.Lambda<name>` configurations: a canary waits its minutes once,
 * linear shifts 10% per interval, ten times).
 */
export const TRAFFIC_SHIFT_SECONDS: Record<string, number> = {
  'CodeDeployDefault.LambdaAllAtOnce': 0,
  'CodeDeployDefault.LambdaCanary10Percent5Minutes': 5 * 60,
  'CodeDeployDefault.LambdaCanary10Percent10Minutes': 10 * 60,
  'CodeDeployDefault.LambdaCanary10Percent15Minutes': 15 * 60,
  'CodeDeployDefault.LambdaCanary10Percent30Minutes': 30 * 60,
  'CodeDeployDefault.LambdaLinear10PercentEvery1Minute': 10 * 60,
  'CodeDeployDefault.LambdaLinear10PercentEvery2Minutes': 20 * 60,
  'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes': 30 * 60,
  'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes': 100 * 60,
};

interface Action {
  readonly Name: string;
  readonly ActionTypeId: { readonly Category: string; readonly Provider: string };
  readonly RunOrder?: number;
  readonly Configuration?: Record<string, unknown>;
}
interface Stage {
  readonly Name: string;
  readonly Actions: readonly Action[];
  /** The stage's exit condition: a bake time is its CloudWatchAlarm rules' `WaitTime`, in minutes. */
  readonly OnSuccess?: {
    readonly Conditions?: readonly { readonly Rules?: readonly { readonly Configuration?: { WaitTime?: string } }[] }[];
  };
}

/** One pipeline stage's place on the critical path. */
export interface StageTime {
  readonly stage: string;
  /** Seconds from the push to the end of this stage, approvals not counted. */
  readonly secondsFromPush: number;
  /** CodeBuild hosts provisioned one after another from the push to the end of this stage. */
  readonly sequentialCodeBuildHosts: number;
}

/** The model of one synthesized pipeline. */
export interface PipelineTimeModel {
  readonly stages: readonly StageTime[];
  /** The CodeBuild actions that run one after another before the first deploy, by name. */
  readonly codeBuildBeforeFirstDeploy: readonly string[];
  /** For each environment (by the name of its last pipeline stage's prefix), minutes from push to its end. */
  readonly minutesToEnvironment: ReadonlyMap<string, number>;
}

/**
 * Models the pipeline of the cloud assembly in `assemblyDir` (a `cdk synth` output folder): walks its stages in
 * order, and within each stage its run orders, taking the longest action of each run order.
 */
export function modelPipeline(assemblyDir: string, costs: ActionCosts = DEFAULT_ACTION_COSTS): PipelineTimeModel {
  const stages = pipelineStagesOf(readJson(path.join(assemblyDir, 'PipelineStack.template.json')));
  const templates = stackTemplates(assemblyDir);
  const times: StageTime[] = [];
  const beforeDeploy: string[] = [];
  let clock = 0;
  let hosts = 0;
  let deployed = false;
  for (const stage of stages) {
    const orders = [...new Set(stage.Actions.map((a) => a.RunOrder ?? 1))].sort((a, b) => a - b);
    for (const order of orders) {
      const actions = stage.Actions.filter((a) => (a.RunOrder ?? 1) === order);
      clock += Math.max(...actions.map((a) => actionSeconds(a, costs, templates)));
      const builds = actions.filter((a) => a.ActionTypeId.Provider === 'CodeBuild');
      if (builds.length > 0) {
        hosts += 1;
        if (!deployed) beforeDeploy.push(`${stage.Name}/${builds.map((a) => a.Name).join('+')}`);
      }
      if (actions.some((a) => a.ActionTypeId.Provider === 'CloudFormation')) deployed = true;
    }
    clock += bakeSeconds(stage);
    times.push({ stage: stage.Name, secondsFromPush: clock, sequentialCodeBuildHosts: hosts });
  }
  const minutesToEnvironment = new Map<string, number>();
  for (const time of times) {
    const environment = /^([A-Za-z0-9]+)-(Layers|Functions|Health)/.exec(time.stage)?.[1];
    if (environment) minutesToEnvironment.set(environment, time.secondsFromPush / 60);
  }
  return { stages: times, codeBuildBeforeFirstDeploy: beforeDeploy, minutesToEnvironment };
}

/** How long a stage's exit condition waits before the next stage: the longest `WaitTime` of its rules (a bake). */
function bakeSeconds(stage: Stage): number {
  const waits = (stage.OnSuccess?.Conditions ?? [])
    .flatMap((c) => c.Rules ?? [])
    .map((r) => Number(r.Configuration?.WaitTime ?? 0) * 60);
  return Math.max(0, ...waits);
}

function actionSeconds(action: Action, costs: ActionCosts, templates: ReadonlyMap<string, unknown>): number {
  const { Category, Provider } = action.ActionTypeId;
  if (Category === 'Source') return costs.source;
  if (Category === 'Approval') return 0; // waiting for a person is not the pipeline's time
  if (Provider === 'CodeBuild') return costs.codeBuildHost + codeBuildWork(action.Name, costs);
  if (Provider === 'CloudFormation') {
    if (action.Configuration?.ActionMode === 'CHANGE_SET_REPLACE') return costs.changeSet;
    const stackName = action.Configuration?.StackName;
    return costs.deploy + trafficShiftSeconds(typeof stackName === 'string' ? templates.get(stackName) : undefined);
  }
  return 0;
}

/** What a CodeBuild action does once its host is up, by the name the pipeline gives it. */
function codeBuildWork(name: string, costs: ActionCosts): number {
  if (name === 'Synth') return costs.npmCi + costs.layerBuild + costs.tests + costs.synth;
  if (name.startsWith('BuildLayers-')) return costs.npmCi + costs.layerBuild;
  if (name === 'SelfMutate') return costs.selfMutation;
  if (name.startsWith('FileAsset') || name.startsWith('Assets')) return costs.assets;
  if (name === 'SmokeTest') return costs.smokeTest;
  return costs.npmCi;
}

/** The longest traffic shift of a stack's CodeDeploy deployment groups (they shift in parallel). */
function trafficShiftSeconds(template: unknown): number {
  const resources = Object.values((template as { Resources?: Record<string, any> } | undefined)?.Resources ?? {});
  const shifts = resources
    .filter((r) => r.Type === 'AWS::CodeDeploy::DeploymentGroup')
    .map((r) => TRAFFIC_SHIFT_SECONDS[String(r.Properties?.DeploymentConfigName)] ?? 0);
  return Math.max(0, ...shifts);
}

function pipelineStagesOf(template: any): Stage[] {
  const pipeline = Object.values(template.Resources as Record<string, any>).find(
    (r) => r.Type === 'AWS::CodePipeline::Pipeline',
  );
  if (!pipeline?.Properties?.Stages) throw new Error('the template has no AWS::CodePipeline::Pipeline with stages');
  return pipeline.Properties.Stages;
}

/** Every stack template of the assembly and its nested (stage) assemblies, by stack name. */
function stackTemplates(assemblyDir: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const manifest = readJson(path.join(assemblyDir, 'manifest.json'));
  for (const artifact of Object.values(manifest.artifacts ?? {}) as any[]) {
    if (artifact.type === 'aws:cloudformation:stack') {
      const name = artifact.properties?.stackName ?? artifact.displayName;
      out.set(name, readJson(path.join(assemblyDir, artifact.properties.templateFile)));
    } else if (artifact.type === 'cdk:cloud-assembly') {
      for (const [k, v] of stackTemplates(path.join(assemblyDir, artifact.properties.directoryName))) out.set(k, v);
    }
  }
  return out;
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}
