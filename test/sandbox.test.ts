/** A personal sandbox (`-c sandbox=<name>`, `npm run sandbox`): the same constructs, outside the pipeline. */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as path from 'path';
import { cdkCalls, defaultSandboxName, parseSandboxArgs, sandboxStacks } from '../bin/sandbox';
import { createSandboxApp } from '../bin/main';
import { parseConfig } from '../lib/config/app-config';
import { smokeTestSpec } from '../lib/local/smoke-test-spec';
import { ASSET_RESOURCE_METADATA_ENABLED_CONTEXT } from 'aws-cdk-lib/cx-api';
import {
  baseConfig,
  buildApp,
  cdkJsonContext,
  configErrorOf,
  copyProjectWithTools,
  errorOf,
  FIXTURE_ROOT,
  noCredentialsEnv,
  runEntryPoint,
  synthApp,
} from './helpers';

/** The fixture's sandbox `name`, built as `cdk synth -c sandbox=<name>` builds it. */
function sandboxApp(name: unknown, change?: (config: Record<string, any>) => void) {
  const config = baseConfig();
  change?.(config);
  return createSandboxApp({
    context: { ...cdkJsonContext(), [ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true, config, sandbox: name },
    projectRoot: FIXTURE_ROOT,
  });
}

/** Every physical name a set of stacks sets: stack names, SSM parameters, layer, role, topic and alarm names. */
function physicalNames(stacks: readonly Stack[]): string[] {
  return stacks.flatMap((stack) => {
    const resources = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, any>);
    return [
      `stack ${stack.account}/${stack.region}/${stack.stackName}`,
      // An alias's name is its function's own (`live` in every function), not a name in the account.
      ...resources
        .filter((r) => r.Type !== 'AWS::Lambda::Alias')
        .flatMap((r) =>
          [
            r.Properties?.Name,
            r.Properties?.LayerName,
            r.Properties?.RoleName,
            r.Properties?.TopicName,
            r.Properties?.AlarmName,
          ]
            .filter((n) => typeof n === 'string')
            .map((n) => `${r.Type} ${n}`),
        ),
    ];
  });
}

const { app, sandbox } = sandboxApp('alice');
const stacks = [sandbox.layersStack, ...sandbox.functionStacks];

describe('a sandbox', () => {
  test('is the whole app: its layer stack and every function stack, and no pipeline', () => {
    const all = app.node.findAll().filter((c): c is Stack => c instanceof Stack);
    expect(all.map((s) => s.stackName).sort()).toEqual([
      'Sandbox-Alice-Functions-Orders',
      'Sandbox-Alice-Functions-Reports',
      'Sandbox-Alice-Layers',
    ]);
    expect(all.map((s) => s.node.path)).toEqual(
      expect.arrayContaining(['Sandbox-Alice/Layers', 'Sandbox-Alice/Orders']),
    );
  });

  test("deploys into the first environment's account and region unless config.sandbox names others", () => {
    for (const stack of stacks) expect([stack.account, stack.region]).toEqual(['222222222222', 'eu-west-1']);
    const elsewhere = sandboxApp('alice', (c) => (c.sandbox = { account: '555555555555', region: 'eu-central-1' }));
    expect([elsewhere.sandbox.layersStack.account, elsewhere.sandbox.layersStack.region]).toEqual([
      '555555555555',
      'eu-central-1',
    ]);
  });

  test('writes its SSM parameters under /<app>/sandbox-<name>/ and names its layers after itself', () => {
    const layers = Template.fromStack(sandbox.layersStack);
    const names = Object.values(layers.findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name);
    expect(names.sort()).toEqual([
      '/orders/sandbox-alice/layers/common/arn',
      '/orders/sandbox-alice/layers/common/version',
      '/orders/sandbox-alice/layers/domain/arn',
      '/orders/sandbox-alice/layers/domain/version',
    ]);
    const layerNames = Object.values(layers.findResources('AWS::Lambda::LayerVersion')).map(
      (l) => l.Properties.LayerName,
    );
    expect(layerNames.sort()).toEqual(['orders-sandbox-alice-common', 'orders-sandbox-alice-domain']);
  });

  test("shares no physical name or SSM parameter with the pipeline's dev stacks, nor with another sandbox", () => {
    const dev = buildApp().pipelineStack.environments[0];
    const pipelineDev = physicalNames([
      dev.layerStage.layersStack,
      ...dev.functionStages.flatMap((s) => s.functionStacks),
    ]);
    const bob = sandboxApp('bob').sandbox;
    const other = physicalNames([bob.layersStack, ...bob.functionStacks]);
    const mine = physicalNames(stacks);
    expect(mine.length).toBeGreaterThan(10);
    expect(mine.filter((n) => pipelineDev.includes(n))).toEqual([]);
    expect(mine.filter((n) => other.includes(n))).toEqual([]);
  });

  test('deploys the function stacks after the layer stack: an explicit dependency, so deploying the stage keeps the order', () => {
    for (const stack of sandbox.functionStacks) {
      expect(stack.dependencies).toEqual([sandbox.layersStack]);
    }
  });

  test('retains nothing: layer versions and log groups go with their stacks', () => {
    for (const stack of stacks) {
      const template = Template.fromStack(stack).toJSON();
      for (const [id, resource] of Object.entries(template.Resources as Record<string, any>)) {
        expect({ id, DeletionPolicy: resource.DeletionPolicy ?? 'Delete' }).toEqual({ id, DeletionPolicy: 'Delete' });
      }
    }
  });

  test('releases all at once and lets its own account assume its smoke-test roles, for `npm run smoke`', () => {
    for (const stack of sandbox.functionStacks) {
      const template = Template.fromStack(stack);
      for (const group of Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'))) {
        expect(group.Properties.DeploymentConfigName).toBe('CodeDeployDefault.LambdaAllAtOnce');
      }
      const role = Object.values(template.findResources('AWS::IAM::Role')).find(
        (r) => r.Properties.RoleName === stack.smokeTestAccess.roleName,
      )!;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' } },
      ]);
    }
    const spec = smokeTestSpec(sandbox.environment, sandbox.functionStacks);
    expect(spec.environment).toBe('sandbox-alice');
    expect(spec.targets.map((t) => t.stackName)).toEqual([
      'Sandbox-Alice-Functions-Orders',
      'Sandbox-Alice-Functions-Reports',
    ]);
  });

  test('passes cdk-nag AwsSolutions', () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });
});

describe('a bad sandbox', () => {
  test.each([
    ['Alice', 'is not a valid sandbox name'],
    ['bob_1', 'is not a valid sandbox name'],
    ['a-name-longer-than-twenty', 'is not a valid sandbox name'],
    [true, 'is not a valid sandbox name'],
    ['dev', 'is the name of an environment of the pipeline'],
  ])('name %j is refused: %s', (name, message) => {
    const error = configErrorOf(() => sandboxApp(name));
    expect(error.problems).toEqual([expect.objectContaining({ setting: 'context sandbox', value: name, message })]);
    expect(error.problems[0].fix).toMatch(/\w+ \w+ \w+/);
  });

  test('config.sandbox with a bad account or region names the setting', () => {
    const config = baseConfig();
    config.sandbox = { account: '12', region: 'mars-1' };
    const error = configErrorOf(() => parseConfig(config, { projectRoot: FIXTURE_ROOT }));
    expect(error.problems.map((p) => [p.setting, p.message])).toEqual([
      ['config.sandbox.account', 'is not a 12-digit AWS account id'],
      ['config.sandbox.region', 'is not a known AWS region'],
    ]);
  });
});

describe('npm run sandbox', () => {
  test('synthesizes the sandbox into its own folder, then acts on the stacks of its stage, named after the user', () => {
    const root = '/project';
    expect(cdkCalls(parseSandboxArgs(['deploy'], 'Alice.Smith'), root)).toEqual([
      ['synth', '--quiet', '-c', 'sandbox=alice-smith', '--output', '/project/build/sandbox/alice-smith'],
      ['deploy', 'Sandbox-AliceSmith/*', '--app', '/project/build/sandbox/alice-smith'],
    ]);
    expect(cdkCalls(parseSandboxArgs(['destroy', '--name', 'bob', '--profile', 'dev'], 'alice'), root)[1]).toEqual([
      'destroy',
      'Sandbox-Bob/*',
      '--app',
      '/project/build/sandbox/bob',
      '--force',
      '--profile',
      'dev',
    ]);
    expect(cdkCalls(parseSandboxArgs(['ls', '--', '--long'], 'alice'), root)).toEqual([
      ['ls', '-c', 'sandbox=alice', '--long'],
    ]);
  });

  test('an assembly without the sandbox stage selects nothing: an error naming the stage and what to check', () => {
    const { assembly } = synthApp();
    const message = errorOf(() => sandboxStacks(assembly.directory, 'alice'));
    expect(message).toContain('has no stack in the stage Sandbox-Alice');
    expect(message).toContain('npx cdk ls -c sandbox=alice');
  });

  // The pinned CLI itself, on the fixture's project, as far as it goes without credentials: each command selects
  // exactly the sandbox's stacks (the CLI names them), and fails only for want of credentials. The deploy suite
  // (npm run test:deploy) runs the same commands against an AWS API.
  describe('runs the real CDK CLI', () => {
    const root = copyProjectWithTools();
    const noCredentials = noCredentialsEnv(root);

    const stackNames = ['Sandbox-Alice-Layers', 'Sandbox-Alice-Functions-Orders', 'Sandbox-Alice-Functions-Reports'];
    const run = (args: string[]) => {
      const result = runEntryPoint(root, 'bin/sandbox.ts', [...args, '--name', 'alice'], { env: noCredentials });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    };

    test.each(['deploy', 'diff', 'destroy'])("%s: the sandbox stage's stacks, stopped only by credentials", (verb) => {
      const { status, output } = run([verb]);
      expect(output).toContain(`sandbox alice: ${verb} ${stackNames.join(', ')} (aws://222222222222/eu-west-1)`);
      expect(output).toContain(`cdk ${verb} Sandbox-Alice/* --app ${path.join(root, 'build', 'sandbox', 'alice')}`);
      expect(output).toContain(
        'Need to perform AWS calls for account 222222222222, but no credentials have been configured',
      );
      expect(output).not.toContain('No stack found');
      expect(output).not.toContain('No stacks match');
      if (verb === 'destroy')
        expect(output).toContain('Sandbox-Alice/Orders (Sandbox-Alice-Functions-Orders): destroying');
      expect(status).not.toBe(0);
    });

    test("ls lists exactly the sandbox stage's stacks", () => {
      const { status, output } = run(['ls']);
      expect(status).toBe(0);
      expect(output.split('\n').filter((l) => l.startsWith('Sandbox-'))).toEqual([
        'Sandbox-Alice/Layers (Sandbox-Alice-Layers)',
        'Sandbox-Alice/Orders (Sandbox-Alice-Functions-Orders)',
        'Sandbox-Alice/Reports (Sandbox-Alice-Functions-Reports)',
      ]);
    });
  });

  test.each([
    ['root', 'root'],
    ['JOHN_DOE', 'john-doe'],
    ['42admin', 'admin'],
  ])('makes a sandbox name of the user name %s: %s', (user, name) => {
    expect(defaultSandboxName(user)).toBe(name);
  });

  test.each([
    [[], 'no command'],
    [['launch'], 'unknown command "launch"'],
    [['deploy', '--name'], '--name wants a value'],
    [['deploy', '--fast'], 'unknown option --fast'],
  ])('%j is a usage error: %s', (args, message) => {
    expect(errorOf(() => parseSandboxArgs(args, 'alice'))).toContain(message);
  });

  test('a user name that makes no sandbox name asks for --name', () => {
    expect(errorOf(() => defaultSandboxName('1234'))).toContain('pass --name <name>');
  });
});
