/**
 * A Mermaid flowchart of the pipeline as synthesized: its stages in order, the actions of each in the order they
 * run (actions that share a run order run in parallel), what each action is, and the stage conditions that gate
 * each stage (before entry, on success, on failure). Read from the PipelineStack template, so it shows what will
 * deploy, not what was meant.
 */

/** The markers between which docs/pipeline.md holds the diagram. */
export const DIAGRAM_START = '<!-- pipeline-diagram:start (npm run diagram writes this part) -->';
export const DIAGRAM_END = '<!-- pipeline-diagram:end -->';

/** The parts of a CloudFormation template the diagram reads. */
interface Template {
  readonly Resources?: Record<string, Resource>;
}
interface Resource {
  readonly Type: string;
  readonly Properties?: { readonly Stages?: TemplateStage[]; readonly Environment?: { readonly Image?: unknown } };
}
interface TemplateStage {
  readonly Name: string;
  readonly Actions: TemplateAction[];
  readonly BeforeEntry?: TemplateConditions;
  readonly OnSuccess?: TemplateConditions;
  readonly OnFailure?: TemplateConditions & { readonly Result?: string };
}

interface TemplateConditions {
  readonly Conditions?: readonly { readonly Result?: string; readonly Rules?: readonly TemplateRule[] }[];
}

interface TemplateRule {
  readonly RuleTypeId: { readonly Provider: string };
  readonly Configuration?: Record<string, string>;
}

interface TemplateAction {
  readonly Name: string;
  readonly ActionTypeId: { readonly Category: string; readonly Provider: string };
  readonly RunOrder?: number;
  readonly Configuration?: Record<string, unknown>;
}

/** The Mermaid source (without fences) of the pipeline in a synthesized PipelineStack template. */
export function pipelineDiagram(template: Template): string {
  const resources = template.Resources ?? {};
  const pipelines = Object.values(resources).filter((r) => r.Type === 'AWS::CodePipeline::Pipeline');
  if (pipelines.length !== 1)
    throw new Error(`expected one AWS::CodePipeline::Pipeline in the template, found ${pipelines.length}`);
  const stages = pipelines[0].Properties?.Stages ?? [];

  const lines = ['flowchart TD'];
  const edges: string[] = [];
  stages.forEach((stage, s) => {
    lines.push(`  subgraph S${s}["${escape(stage.Name)}"]`);
    lines.push('    direction LR');
    const groups = [...new Set(stage.Actions.map((a) => a.RunOrder ?? 1))].sort((a, b) => a - b);
    const idsOf = (order: number) =>
      stage.Actions.map((a, i) => ({ a, id: `S${s}A${i}` })).filter(({ a }) => (a.RunOrder ?? 1) === order);
    for (const order of groups) {
      for (const { a, id } of idsOf(order))
        lines.push(`    ${id}${shape(a, `${escape(a.Name)}<br/><small>${escape(describe(a, resources))}</small>`)}`);
    }
    for (let g = 0; g + 1 < groups.length; g++) {
      for (const from of idsOf(groups[g]))
        for (const to of idsOf(groups[g + 1])) edges.push(`  ${from.id} --> ${to.id}`);
    }
    // The stage's conditions: a gate before its first actions, one after its last, and what a failure does.
    const entry = describeConditions('before entry', stage.BeforeEntry);
    if (entry && groups.length > 0) {
      lines.push(`    S${s}E[/"${escape(entry)}"/]`);
      for (const { id } of idsOf(groups[0])) edges.push(`  S${s}E --> ${id}`);
    }
    const success = describeConditions('on success', stage.OnSuccess);
    if (success && groups.length > 0) {
      lines.push(`    S${s}X[/"${escape(success)}"/]`);
      for (const { id } of idsOf(groups[groups.length - 1])) edges.push(`  ${id} --> S${s}X`);
    }
    if (stage.OnFailure?.Result) lines.push(`    S${s}F[\\"on failure: ${stage.OnFailure.Result.toLowerCase()}"\\]`);
    lines.push('  end');
    if (s > 0) edges.push(`  S${s - 1} --> S${s}`);
  });
  return [...lines, ...edges].join('\n');
}

/** A stage's condition in a few words: each rule, then what happens when one fails (`fail`, `rollback`). */
function describeConditions(kind: string, conditions: TemplateConditions | undefined): string | undefined {
  const described = (conditions?.Conditions ?? []).map((condition) => {
    const rules = (condition.Rules ?? []).map(describeRule).join(' and ');
    return `${rules}, else ${String(condition.Result ?? 'fail').toLowerCase()}`;
  });
  return described.length > 0 ? `${kind}: ${described.join('; ')}` : undefined;
}

function describeRule(rule: TemplateRule): string {
  const config = rule.Configuration ?? {};
  if (rule.RuleTypeId.Provider === 'DeploymentWindow') return `window ${config.Cron} (${config.TimeZone ?? 'UTC'})`;
  if (rule.RuleTypeId.Provider === 'CloudWatchAlarm') {
    const wait = config.WaitTime ? ` for ${config.WaitTime} min` : '';
    return `${config.AlarmName} not in ${config.AlarmStates ?? 'ALARM'}${wait}`;
  }
  return rule.RuleTypeId.Provider;
}

/** What an action is, in a few words: its provider, and for CodeBuild the image it runs on. */
function describe(action: TemplateAction, resources: Record<string, Resource>): string {
  const { Category, Provider } = action.ActionTypeId;
  if (Category === 'Approval') return 'manual approval';
  if (Provider === 'CodeBuild') {
    const project =
      resources[(action.Configuration?.ProjectName as { Ref?: string } | undefined)?.Ref ?? '']?.Properties;
    const image = String(project?.Environment?.Image ?? '').replace(/^aws\/codebuild\//, '');
    return image ? `CodeBuild, ${image}` : 'CodeBuild';
  }
  if (Provider === 'CloudFormation') {
    const mode = action.Configuration?.ActionMode;
    return mode === 'CHANGE_SET_REPLACE'
      ? 'CloudFormation change set'
      : mode === 'CHANGE_SET_EXECUTE'
        ? 'CloudFormation deploy'
        : 'CloudFormation';
  }
  if (Category === 'Source') return `source, ${Provider}`;
  return Provider;
}

/** Approvals as diamonds-ish (hexagons), everything else as rounded boxes. */
function shape(action: TemplateAction, label: string): string {
  return action.ActionTypeId.Category === 'Approval' ? `{{"${label}"}}` : `("${label}")`;
}

function escape(text: string): string {
  return text.replace(/"/g, '#quot;');
}

/** The README with its diagram section replaced by `diagram` (fenced); throws when the markers are missing. */
export function withDiagram(readme: string, diagram: string): string {
  const start = readme.indexOf(DIAGRAM_START);
  const end = readme.indexOf(DIAGRAM_END);
  if (start < 0 || end < start)
    throw new Error(`docs/pipeline.md has no diagram section: add the lines ${DIAGRAM_START} and ${DIAGRAM_END}`);
  return `${readme.slice(0, start + DIAGRAM_START.length)}\n\n\`\`\`mermaid\n${diagram}\n\`\`\`\n\n${readme.slice(end)}`;
}
