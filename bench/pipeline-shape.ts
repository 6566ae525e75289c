/** 5. The pipeline's shape and a model of its time (`pipeline-model.ts`), from the project's synthesized assembly. */
import * as path from 'path';
import { ActionCosts, DEFAULT_ACTION_COSTS, modelPipeline, PipelineTimeModel } from './pipeline-model';
import { Options } from './options';
import { median, readJson } from './processes';
import { Row, measured } from './rows';

export const CODEPIPELINE_ACTIONS_PER_STAGE = 50;

// ---------------------------------------------------------------------------------------------------------------
// The pipeline's shape
// ---------------------------------------------------------------------------------------------------------------

interface PipelineAction {
  readonly Name: string;
  readonly ActionTypeId: { readonly Provider: string };
  readonly RunOrder?: number;
}

interface PipelineStage {
  readonly Name: string;
  readonly Actions: readonly PipelineAction[];
}

interface Template {
  readonly Resources: Record<
    string,
    { readonly Type: string; readonly Properties?: { readonly Stages?: PipelineStage[] } }
  >;
}

interface PipelineShape {
  readonly maxActionsPerStage: number;
  readonly largestStage: string;
}

function pipelineStages(templateFile: string): PipelineStage[] {
  const template = readJson<Template>(templateFile);
  const pipeline = Object.values(template.Resources).find((r) => r.Type === 'AWS::CodePipeline::Pipeline');
  if (!pipeline?.Properties?.Stages) throw new Error(`${templateFile} has no AWS::CodePipeline::Pipeline with stages`);
  return pipeline.Properties.Stages;
}

/** The largest stage of a synthesized pipeline (CodePipeline allows 50 actions in one). */
export function pipelineShape(templateFile: string): PipelineShape {
  const largest = pipelineStages(templateFile).reduce((a, b) => (b.Actions.length > a.Actions.length ? b : a));
  return { maxActionsPerStage: largest.Actions.length, largestStage: largest.Name };
}

/** Section 5: the pipeline's shape and modelled time, from its synthesized assembly (and a baseline's). */
export function benchPipeline(
  options: Options,
  projectOut: string | undefined,
  samples: Record<string, number[]>,
): Row[] {
  const section = 'pipeline';
  if (!projectOut) throw new Error('the project was not synthesized');
  const shape = pipelineShape(path.join(projectOut, 'PipelineStack.template.json'));
  const measuredSeconds = (key: string) => (samples[key]?.length ? median(samples[key]) : undefined);
  const costs: ActionCosts = {
    ...DEFAULT_ACTION_COSTS,
    tests: measuredSeconds('tests.npmTest') ?? DEFAULT_ACTION_COSTS.tests,
    synth: measuredSeconds('synth.project') ?? DEFAULT_ACTION_COSTS.synth,
    layerBuild: measuredSeconds('layer.firstBuild') ?? DEFAULT_ACTION_COSTS.layerBuild,
  };
  const models: [string, PipelineTimeModel][] = [
    ['this version', modelPipeline(projectOut, costs)],
    ...(options.baselineAssembly
      ? [['baseline', modelPipeline(options.baselineAssembly, costs)] as [string, PipelineTimeModel]]
      : []),
  ];
  const rows: Row[] = [];
  for (const [label, model] of models) {
    rows.push(
      measured(
        section,
        `sequential CodeBuild actions before first deploy (${label})`,
        model.codeBuildBeforeFirstDeploy.length,
        'actions',
        label === 'this version' ? { op: '<=', limit: 3 } : undefined,
        model.codeBuildBeforeFirstDeploy.join(' -> '),
      ),
    );
    for (const [environment, minutes] of model.minutesToEnvironment) {
      rows.push(
        measured(
          section,
          `modelled minutes from push to end of ${environment} (${label})`,
          minutes,
          'min',
          undefined,
          'estimate from stated per-action costs (bench/pipeline-model.ts), approvals not counted',
        ),
      );
    }
  }
  rows.push(
    measured(
      section,
      'largest number of actions in one stage',
      shape.maxActionsPerStage,
      'actions',
      { op: '<=', limit: CODEPIPELINE_ACTIONS_PER_STAGE },
      `stage ${shape.largestStage}`,
    ),
  );
  return rows;
}
