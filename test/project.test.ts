/**
 * The user's own project: the committed `cdk.json`, `layers/` and `lambda/`, built exactly as `cdk synth` builds
 * them. Only invariants live here, things that hold for every valid configuration, with every expectation derived
 * from the configuration itself: adding, removing or renaming a function, a stack, a layer or an environment by the
 * README keeps this file green. The machinery's exact behaviour is tested on the fixture project in the other files.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createApp } from '../bin/main';
import { cdkJsonContext, loadProjectConfig, PROJECT_ROOT } from '../bin/project';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import {
  APP_TAG_KEY,
  layerArnParameterName,
  layerFingerprintVariable,
  layerName,
  layerVersionParameterName,
} from '../lib/config/naming';
import { functionCodeDir } from '../lib/config/project-layout';
import { expectNoExportsOrImports } from './helpers';

const config = loadProjectConfig(PROJECT_ROOT);
const created = createApp({ context: cdkJsonContext(PROJECT_ROOT), projectRoot: PROJECT_ROOT });
const assembly = created.app.synth();
const environments = created.pipelineStack.environments;

interface PipelineAction {
  Name: string;
  ActionTypeId: { Category: string; Provider: string };
  RunOrder: number;
}
const [pipelineResource] = Object.values(
  Template.fromStack(created.pipelineStack).findResources('AWS::CodePipeline::Pipeline'),
);
const pipelineStages: { Name: string; Actions: PipelineAction[] }[] = pipelineResource.Properties.Stages;

describe('the configuration in cdk.json', () => {
  test('synthesizes the pipeline stack, and the stages of every configured environment in order', () => {
    expect(environments.map((e) => e.environment.name)).toEqual(config.environments.map((e) => e.name));
    expect(assembly.stacks.map((s) => s.stackName)).toContain('PipelineStack');
  });

  test('has no export and no Fn::ImportValue anywhere: no stack can lock a layer', () => {
    expectNoExportsOrImports(assembly);
  });

  test('passes cdk-nag AwsSolutions in every stack of every stage', () => {
    const report = new AwsSolutionsChecks().validateScope(created.app);
    expect(report.violations).toEqual([]);
  });

  test('tags every stack of the app, pipeline support stacks included, with app=<appName>', () => {
    const stacks = [assembly, ...assembly.nestedAssemblies.map((a) => a.nestedAssembly)].flatMap((a) => a.stacks);
    expect(stacks.length).toBeGreaterThan(1 + config.environments.length);
    for (const stack of stacks) {
      expect({ stack: stack.stackName, tag: stack.tags[APP_TAG_KEY] }).toEqual({
        stack: stack.stackName,
        tag: config.appName,
      });
    }
  });

  test('gives every stack a name of its own, across environments, accounts and regions', () => {
    const stacks = created.app.node.findAll().filter((c): c is Stack => c instanceof Stack);
    const keys = stacks.map((s) => `${s.account}/${s.region}/${s.stackName}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe.each(config.environments.map((e, i) => [e.name, i] as const))('environment %s', (envName, index) => {
  const env = environments[index];
  const layers = Template.fromStack(env.layerStage.layersStack);
  const functionStacks = env.functionStages.flatMap((s) => s.functionStacks);
  const fingerprint = new Map(env.layerStage.references.map((r) => [r.name, r.fingerprint]));

  test('publishes one retained LayerVersion and its ARN and version number in SSM, named by the contract, per layer', () => {
    layers.resourceCountIs('AWS::Lambda::LayerVersion', config.layers.length);
    for (const resource of Object.values(layers.findResources('AWS::Lambda::LayerVersion'))) {
      expect([resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    }
    const parameters = Object.values(layers.findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name);
    expect(parameters.sort()).toEqual(
      config.layers
        .flatMap((l) => [
          layerArnParameterName(config.appName, envName, l.name),
          layerVersionParameterName(config.appName, envName, l.name),
        ])
        .sort(),
    );
  });

  test('holds every configured function once, in the stack the configuration names', () => {
    const placed = functionStacks.flatMap((stack) =>
      [...stack.functions.keys()].map((fn) => `${stack.configName}/${fn}`),
    );
    expect(placed.sort()).toEqual(config.functions.map((f) => `${f.stack}/${f.name}`).sort());
  });

  test("attaches each function's layers, in order, its environment's own, at the version SSM names, with their fingerprints", () => {
    for (const stack of functionStacks) {
      const template = Template.fromStack(stack).toJSON();
      for (const [name, fn] of stack.functions) {
        const expected = config.functions.find((f) => f.name === name)!.layers;
        const resource = template.Resources[stack.getLogicalId(fn.function.node.defaultChild as any)];
        const environment = config.environments[index];
        const attached = resource.Properties.Layers.map((arn: any) => {
          const [prefix, version] = arn['Fn::Join'][1];
          return { prefix, version: template.Parameters[version.Ref] };
        });
        expect({ name, attached }).toEqual({
          name,
          attached: expected.map((layer) => ({
            prefix: `arn:${partitionOf(environment.region)}:lambda:${environment.region}:${environment.account}:layer:${layerName(config.appName, envName, layer)}:`,
            version: {
              Type: 'AWS::SSM::Parameter::Value<String>',
              Default: layerVersionParameterName(config.appName, envName, layer),
            },
          })),
        });
        for (const layer of expected) {
          expect(resource.Properties.Environment.Variables[layerFingerprintVariable(layer)]).toBe(
            fingerprint.get(layer),
          );
        }
      }
    }
  });

  test('gives no function role a wildcard, a managed policy or access to SSM', () => {
    for (const stack of functionStacks) {
      const template = Template.fromStack(stack).toJSON();
      for (const fn of stack.functions.values()) {
        const roleId = stack.getLogicalId(fn.role.node.defaultChild as any);
        expect(template.Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
        const statements = Object.values(template.Resources as Record<string, any>)
          .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleId))
          .flatMap((p) => p.Properties.PolicyDocument.Statement);
        for (const statement of statements) {
          const actions: string[] = [statement.Action].flat();
          expect({ roleId, actions, wildcard: actions.some((a) => a.includes('*')) }).toMatchObject({
            wildcard: false,
          });
          expect(actions.filter((a) => a.startsWith('ssm:'))).toEqual([]);
          // X-Ray's two write actions take no resource but "*": the only statement that may name it.
          if (!isTracingStatement(statement)) expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
        }
      }
    }
  });

  test(`deploys its layers in a wave before its functions${config.environments[index].requiresApproval ? ', after an approval' : ''}`, () => {
    const names = pipelineStages.map((s) => s.Name);
    const prefix = env.layerStage.stageName;
    const layerStage = names.indexOf(prefix);
    expect(layerStage).toBeGreaterThan(-1);
    for (const stage of env.functionStages) {
      const waves = names.filter((n) => n.startsWith(`${prefix.replace(/-Layers$/, '')}-Functions`));
      expect(waves.length).toBeGreaterThan(0);
      for (const wave of waves) expect(names.indexOf(wave)).toBeGreaterThan(layerStage);
      expect(stage.layerStage).toBe(env.layerStage);
    }
    // The approval, where there is one, is alone with its review in the stage right before the layers'.
    const approvalStage = names.indexOf(`${prefix.replace(/-Layers$/, '')}-Approval`);
    const approvals = pipelineStages
      .filter((s) => s.Name.startsWith(prefix.replace(/-Layers$/, '-')))
      .flatMap((s) => s.Actions)
      .filter((a) => a.ActionTypeId.Category === 'Approval');
    expect(approvals.length).toBe(config.environments[index].requiresApproval ? 1 : 0);
    expect(approvalStage).toBe(config.environments[index].requiresApproval ? layerStage - 1 : -1);
  });
});

describe('the pipeline of cdk.json', () => {
  test('keeps every stage within the 50 actions CodePipeline allows', () => {
    for (const stage of pipelineStages) {
      expect({ stage: stage.Name, tooMany: stage.Actions.length > 50 }).toEqual({ stage: stage.Name, tooMany: false });
    }
  });

  test('gates each environment as its promotion setting says: bake time, window, healthy target, rollback', () => {
    const gates = (name: string) => pipelineStages.find((s) => s.Name === name) as any;
    const rulesOf = (conditions: any) => (conditions?.Conditions ?? []).flatMap((c: any) => c.Rules);
    config.environments.forEach((environment, i) => {
      const { layerStage, healthStage } = environments[i];
      const prefix = layerStage.stageName.replace(/-Layers$/, '');
      const { window, rollbackOnFailure } = environment.promotion;
      // Every stage that deploys into the environment rolls back when the setting says so; its approval never does.
      for (const stage of pipelineStages.filter((s) => s.Name.startsWith(`${prefix}-`))) {
        const rolls = rollbackOnFailure && !stage.Name.endsWith('-Approval');
        expect({ stage: stage.Name, onFailure: gates(stage.Name).OnFailure }).toEqual({
          stage: stage.Name,
          onFailure: rolls ? { Result: 'ROLLBACK' } : undefined,
        });
      }
      // The next environment's bake time reads this one's health alarm, in its account and Region.
      const next = config.environments[i + 1]?.promotion.bakeMinutes ?? 0;
      const bake = rulesOf(gates(healthStage.stageName).OnSuccess);
      expect(bake.map((r: any) => [r.Configuration.AlarmName, r.Configuration.WaitTime, r.Region])).toEqual(
        next > 0 ? [[`${config.appName}-${environment.name}-health`, String(next), environment.region]] : [],
      );
      for (const rule of bake) expect(rule.RoleArn).toContain(`:iam::${environment.account}:role/`);
      const entry = gates(environment.requiresApproval ? `${prefix}-Approval` : layerStage.stageName).BeforeEntry;
      const windows = rulesOf(entry).filter((r: any) => r.RuleTypeId.Provider === 'DeploymentWindow');
      expect(windows.map((r: any) => r.Configuration)).toEqual(
        window ? [{ Cron: window.cron, TimeZone: window.timezone }] : [],
      );
      const notInAlarm = rulesOf(gates(layerStage.stageName).BeforeEntry).filter(
        (r: any) => r.RuleTypeId.Provider === 'CloudWatchAlarm',
      );
      expect(notInAlarm.map((r: any) => r.Configuration.AlarmName)).toEqual(
        environment.requiresApproval ? [`${config.appName}-${environment.name}-health`] : [],
      );
    });
  });
});

describe('the handlers in lambda/', () => {
  test('each parse, and define the function their handler setting names', () => {
    const handlers = config.functions.map((fn) => {
      const parts = fn.handler.split('.');
      return {
        name: fn.name,
        file: path.join(functionCodeDir(PROJECT_ROOT, fn.name), `${parts.slice(0, -1).join('/')}.py`),
        function: parts[parts.length - 1],
      };
    });
    // The layers' packages may be built for Lambda's platform only: the source is read, not imported.
    const script = [
      'import ast, json, sys',
      'out = {}',
      'for h in json.loads(sys.argv[1]):',
      '    tree = ast.parse(open(h["file"], encoding="utf-8").read(), h["file"])',
      '    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}',
      '    names |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}',
      '    out[h["name"]] = h["function"] in names',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync(process.env.PYTHON ?? 'python3', ['-c', script, JSON.stringify(handlers)], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual(Object.fromEntries(handlers.map((h) => [h.name, true])));
  });
});

/** The partition of a region, as the templates write it (partition literals are on in cdk.json). */
function partitionOf(region: string): string {
  return RegionInfo.get(region).partition ?? 'aws';
}

/** The statement active tracing adds to a function's role: X-Ray's write actions on "*", and nothing else. */
function isTracingStatement(statement: any): boolean {
  const actions = [statement.Action].flat().sort();
  return (
    statement.Resource === '*' && JSON.stringify(actions) === '["xray:PutTelemetryRecords","xray:PutTraceSegments"]'
  );
}
