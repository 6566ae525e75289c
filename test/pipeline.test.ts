import * as fs from 'fs';
import * as path from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';
import { AwsSolutionsChecks } from 'cdk-nag';
import { dependencyAuditCommands } from '../pipeline/dependency-audit';
import { LAYER_BUILDSPEC } from '../pipeline/layer-build-step';
import { BUILD_IMAGES, DEFAULT_NODEJS } from '../lib/config/build-images';
import { MAX_STACKS_PER_WAVE } from '../pipeline/pipeline-stack';
import { PROJECT_ROOT } from '../bin/project';
import { buildApp, cdkJsonContext, copyProject, FIXTURE_PIPELINE_STAGES } from './helpers';

interface Action {
  Name: string;
  ActionTypeId: { Category: string; Provider: string };
  RunOrder: number;
  RoleArn?: unknown;
  Configuration?: Record<string, any>;
  InputArtifacts?: { Name: string }[];
  OutputArtifacts?: { Name: string }[];
}
interface PipelineStage {
  Name: string;
  Actions: Action[];
}

function pipelineOf(template: Template): { stages: PipelineStage[]; properties: any } {
  const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
  return { stages: pipeline.Properties.Stages, properties: pipeline.Properties };
}

const created = buildApp();
const template = Template.fromStack(created.pipelineStack);
const { stages, properties } = pipelineOf(template);
const stageNames = stages.map((s) => s.Name);
const action = (stage: string, name: string) =>
  stages.find((s) => s.Name === stage)!.Actions.find((a) => a.Name === name)!;
const projectOf = (a: Action) => template.toJSON().Resources[a.Configuration!.ProjectName.Ref].Properties;

/** [image, Node.js of its buildspec] of each CodeBuild project; each Node.js one its image offers. */
function nodejsOfProjects(outdir: string, pipelineTemplate: Template): [string, string][] {
  return Object.values(pipelineTemplate.findResources('AWS::CodeBuild::Project')).map((project) => {
    const source: string = project.Properties.Source.BuildSpec;
    const buildspec = source.startsWith('{')
      ? JSON.parse(source)
      : parse(fs.readFileSync(path.join(outdir, source), 'utf8'));
    const image: string = project.Properties.Environment.Image;
    const nodejs: string = buildspec.phases.install['runtime-versions'].nodejs;
    const offered = Object.values(BUILD_IMAGES).find((i) => i.name === image)?.nodejs ?? [];
    expect([image, nodejs, offered.includes(nodejs)]).toEqual([image, nodejs, true]);
    return [image, nodejs];
  });
}

describe('the pipeline', () => {
  test('is a V2 pipeline, in promotion order: source, build, self-mutation, assets, then each environment', () => {
    expect(properties.PipelineType).toBe('V2');
    expect(stageNames).toEqual([...FIXTURE_PIPELINE_STAGES]);
  });

  test('starts from the configured connection and branch, on every push', () => {
    const [source] = stages[0].Actions;
    expect(source.ActionTypeId.Provider).toBe('CodeStarSourceConnection');
    expect(source.Configuration).toMatchObject({
      ConnectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/00000000-0000-0000-0000-000000000000',
      FullRepositoryId: 'example-org/python-layers-pipeline',
      BranchName: 'main',
      DetectChanges: true,
    });
  });

  test('skips a push that changes only documentation, with a V2 trigger on the branch', () => {
    expect(properties.Triggers).toEqual([
      {
        ProviderType: 'CodeStarSourceConnection',
        GitConfiguration: {
          SourceActionName: stages[0].Actions[0].Name,
          Push: [{ Branches: { Includes: ['main'] }, FilePaths: { Excludes: ['README.md', 'docs/**'] } }],
        },
      },
    ]);
  });

  test('tells the team when an approval waits and when an execution fails, on an encrypted HTTPS-only topic', () => {
    const [rule] = Object.values(template.findResources('AWS::CodeStarNotifications::NotificationRule'));
    expect(rule.Properties.EventTypeIds.sort()).toEqual([
      'codepipeline-pipeline-manual-approval-needed',
      'codepipeline-pipeline-pipeline-execution-failed',
    ]);
    const [topicId] = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(rule.Properties.Targets).toEqual([{ TargetType: 'SNS', TargetAddress: { Ref: topicId } }]);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'pipeline-team@example.com',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'codestar-notifications.amazonaws.com' },
            Action: 'sns:Publish',
          }),
        ]),
      },
    });
  });

  test('builds the layers inside synth when they share one architecture, on Amazon Linux of it, with the layer buildspec', () => {
    // Every layer of the fixture is built for arm64 (its first architecture): one CodeBuild host, not two.
    expect(stages.find((s) => s.Name === 'Build')!.Actions.map((a) => a.Name)).toEqual(['Synth']);
    const project = projectOf(action('Build', 'Synth'));
    expect(project.Environment).toMatchObject({
      Image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
      Type: 'ARM_CONTAINER',
    });
    expect(project.Environment.EnvironmentVariables).toEqual(
      expect.arrayContaining([{ Name: 'LAYER_ARCHITECTURE', Type: 'PLAINTEXT', Value: 'arm64' }]),
    );
    const buildspec = JSON.parse(project.Source.BuildSpec);
    const layerBuildspec = parse(fs.readFileSync(LAYER_BUILDSPEC, 'utf8'));
    // The layer buildspec's install phase, with the pipeline's Node.js and the Python the layers run: every layer of
    // cdk.json is built for its first runtime, which is the Python the Python tests in synth must load them with.
    const layerRuntimes = Object.values(cdkJsonContext().config.layers as Record<string, { runtimes: string[] }>).map(
      (l) => l.runtimes[0],
    );
    expect(new Set(layerRuntimes).size).toBe(1);
    expect(buildspec.phases.install).toEqual({
      ...layerBuildspec.phases.install,
      'runtime-versions': { nodejs: DEFAULT_NODEJS, python: layerRuntimes[0].replace(/^python/, '') },
    });
    expect(buildspec.env).toEqual(layerBuildspec.env);
    expect(buildspec.cache.paths).toEqual(['/root/.cache/pip/**/*', '/root/.npm/**/*']);
    expect(project.Cache).toEqual({ Type: 'LOCAL', Modes: ['LOCAL_CUSTOM_CACHE'] });
    // The layer build's own commands first, then the dependency audits, the tests, and the strict synth.
    expect(buildspec.phases.build.commands).toEqual([
      ...layerBuildspec.phases.build.commands,
      ...dependencyAuditCommands(),
      'npm test',
      'npx cdk synth -c strictLayers=true',
    ]);
  });

  test('runs the configured Node.js (22 by default) in every CodeBuild project, on an image that offers it', () => {
    expect(nodejsOfProjects(created.app.synth().directory, template)).toEqual(
      Object.values(template.findResources('AWS::CodeBuild::Project')).map((p) => [
        p.Properties.Environment.Image,
        '22',
      ]),
    );
    expect(DEFAULT_NODEJS).toBe('22');
  });

  test('runs config.pipeline.nodejs in every project when every image in use offers it: 24 with x86_64 layers', () => {
    const x86 = buildApp({
      config: (c) => {
        c.pipeline.nodejs = '24';
        for (const layer of Object.values<any>(c.layers)) layer.architectures = ['x86_64'];
        for (const fn of Object.values<any>(c.functions)) fn.architecture = 'x86_64';
      },
    });
    const pipelineTemplate = Template.fromStack(x86.pipelineStack);
    const found = nodejsOfProjects(x86.app.synth().directory, pipelineTemplate);
    expect(found.length).toBeGreaterThanOrEqual(5);
    expect(found.every(([image, nodejs]) => image === BUILD_IMAGES.x86_64.name && nodejs === '24')).toBe(true);
  });

  test('runs every CodeBuild project on Amazon Linux 2023, with a timeout chosen per step', () => {
    const projects = Object.values(template.findResources('AWS::CodeBuild::Project'));
    expect(projects.length).toBeGreaterThanOrEqual(5);
    for (const project of projects) {
      expect(project.Properties.Environment.Image).toMatch(/^aws\/codebuild\/amazonlinux-(x86_64|aarch64)-standard:/);
      expect(project.Properties.TimeoutInMinutes).toBeLessThanOrEqual(30);
    }
  });

  test('updates itself, then publishes assets in one action', () => {
    expect(stages.find((s) => s.Name === 'UpdatePipeline')!.Actions.map((a) => a.Name)).toEqual(['SelfMutate']);
    expect(stages.find((s) => s.Name === 'Assets')!.Actions).toHaveLength(1);
  });

  test("deploys each environment's layers in a wave before its functions, with that account's roles", () => {
    for (const [env, account] of [
      ['Dev', '222222222222'],
      ['Prod', '333333333333'],
    ]) {
      expect(stageNames.indexOf(`${env}-Layers`)).toBeLessThan(stageNames.indexOf(`${env}-Functions`));
      const deploys = stages
        .filter((s) => s.Name.startsWith(`${env}-`))
        .flatMap((s) => s.Actions)
        .filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
      expect(deploys.length).toBeGreaterThan(0);
      for (const deploy of deploys)
        expect(JSON.stringify(deploy.RoleArn)).toContain(
          `:iam::${account}:role/cdk-hnb659fds-deploy-role-${account}-eu-west-1`,
        );
    }
  });

  test("asks for approval before prod, after dev's smoke test and health, naming the commit", () => {
    expect(stageNames.slice(stageNames.indexOf('Dev-Functions'), stageNames.indexOf('Prod-Layers') + 1)).toEqual([
      'Dev-Functions',
      'Dev-Health',
      'Prod-Approval',
      'Prod-Layers',
    ]);
    const devFunctions = stages.find((s) => s.Name === 'Dev-Functions')!;
    expect([...devFunctions.Actions].sort((a, b) => b.RunOrder - a.RunOrder)[0].Name).toBe('SmokeTest');
    // The review and the approval, alone in their stage: the layers' stage after it may roll back without them.
    const prodApproval = stages.find((s) => s.Name === 'Prod-Approval')!;
    expect(prodApproval.Actions).toHaveLength(2);
    const [review, approval] = [...prodApproval.Actions].sort((a, b) => a.RunOrder - b.RunOrder);
    expect(review).toMatchObject({ Name: 'ReviewChanges', ActionTypeId: { Category: 'Build', Provider: 'CodeBuild' } });
    expect(approval).toMatchObject({
      Name: 'PromoteToProd',
      ActionTypeId: { Category: 'Approval', Provider: 'Manual' },
    });
    expect(approval.RunOrder).toBeGreaterThan(review.RunOrder);
    expect(approval.Configuration!.CustomData).toMatch(
      /^Promote commit #\{.*CommitId\} to prod \(account 333333333333, eu-west-1\)/,
    );
    expect(
      stages
        .filter((s) => s.Name.startsWith('Dev-'))
        .flatMap((s) => s.Actions)
        .some((a) => a.ActionTypeId.Category === 'Approval'),
    ).toBe(false);
  });

  test('smoke-tests every environment after its function stacks deploy, in its account, reading names from outputs', () => {
    for (const [env, name, account] of [
      ['Dev', 'dev', '222222222222'],
      ['Prod', 'prod', '333333333333'],
    ]) {
      const stage = stages.find((s) => s.Name === `${env}-Functions`)!;
      const smoke = action(`${env}-Functions`, 'SmokeTest');
      const deploys = stage.Actions.filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
      expect(smoke.RunOrder).toBeGreaterThan(Math.max(...deploys.map((a) => a.RunOrder)));

      const project = projectOf(smoke);
      expect(project.Environment).toMatchObject({
        Image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
        ComputeType: 'BUILD_GENERAL1_SMALL',
      });
      expect(JSON.parse(project.Source.BuildSpec).phases.build.commands).toEqual(['python3 tools/smoke_test.py']);
      const spec = JSON.parse(
        project.Environment.EnvironmentVariables.find((v: any) => v.Name === 'SMOKE_TEST_SPEC').Value,
      );
      expect(spec).toMatchObject({ environment: name, alias: 'live' });
      expect(spec.targets.map((t: any) => [t.stack, t.stackName, t.account, t.roleName])).toEqual([
        ['orders', `${env}-Functions-Orders`, account, `orders-${name}-orders-smoke`],
        ['reports', `${env}-Functions-Reports`, account, `orders-${name}-reports-smoke`],
      ]);
      const priceOrder = spec.targets[0].functions.find((f: any) => f.name === 'price-order');
      expect(priceOrder.layers).toEqual(
        ['common', 'domain'].map((layer) => ({
          name: layer,
          parameter: `/orders/${name}/layers/${layer}/arn`,
          layerName: `orders-${name}-${layer}`,
          fingerprintVariable: `LAYER_FINGERPRINT_${layer.toUpperCase()}`,
        })),
      );

      // Each function's name is read from its stack's outputs by the step, under the key the stack gives it.
      const stack = created.pipelineStack.environments.find((e) => e.environment.name === name)!.functionStages[0]
        .functionStacks[0];
      const outputs = Template.fromStack(stack).toJSON().Outputs;
      expect(outputs[priceOrder.output].Value).toEqual({ Ref: expect.stringMatching(/^PriceOrderFunction/) });
      // Nothing is passed through the action's own settings, which CodePipeline caps at 1000 characters.
      expect(smoke.Configuration!.EnvironmentVariables).toBeUndefined();
      expect(project.TimeoutInMinutes).toBeGreaterThanOrEqual(10);
    }
  });

  test('lets the smoke test assume the smoke-test roles of the stacks it tests, and no other role', () => {
    for (const env of ['Dev', 'Prod']) {
      const role = projectOf(action(`${env}-Functions`, 'SmokeTest')).ServiceRole['Fn::GetAtt'][0];
      // It runs as the environment's named runner, the one principal the stacks' smoke-test roles trust.
      expect(template.toJSON().Resources[role].Properties.RoleName).toBe(`orders-${env.toLowerCase()}-smoke-runner`);
      const statements = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === role))
        .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
      const assume = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('sts:')));
      expect(assume).toHaveLength(1);
      expect(assume[0].Action).toBe('sts:AssumeRole');
      expect(JSON.stringify(assume[0].Resource)).toMatch(
        /role\/orders-\w+-orders-smoke.*role\/orders-\w+-reports-smoke/,
      );
    }
  });

  test('keeps versions of the artifacts, and every build log in a group of its own with a retention', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.anyValue(),
    });
    const projects = template.findResources('AWS::CodeBuild::Project');
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups)).toHaveLength(Object.keys(projects).length);
    for (const [id, project] of Object.entries(projects)) {
      const group = project.Properties.LogsConfig.CloudWatchLogs;
      expect({ id, status: group.Status }).toEqual({ id, status: 'ENABLED' });
      expect(groups[group.GroupName.Ref].Properties.RetentionInDays).toBe(365);
      const role = project.Properties.ServiceRole['Fn::GetAtt'][0];
      const writes = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === role))
        .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
        .filter(
          (s: any) => JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [group.GroupName.Ref, 'Arn'] }),
        );
      expect(writes.map((s: any) => s.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents']]);
    }
  });

  test('denies the asset-publishing role starting or stopping builds, which CodePipeline does with its own role', () => {
    const assets = action('Assets', 'FileAssets');
    const project = projectOf(assets);
    expect(JSON.stringify(assets.RoleArn)).not.toContain(project.ServiceRole['Fn::GetAtt'][0]);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === project.ServiceRole['Fn::GetAtt'][0]))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Sid: 'AssetsNeverStartBuilds',
          Effect: 'Deny',
          Action: ['codebuild:StartBuild', 'codebuild:StopBuild'],
          Resource: '*',
        },
      ]),
    );
  });

  test("lets the source action use the connection under both of the service's names", () => {
    const [source] = stages[0].Actions;
    const role = (source.RoleArn as any)['Fn::GetAtt'][0];
    const actions = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === role))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => s.Resource === source.Configuration!.ConnectionArn)
      .flatMap((s: any) => [s.Action].flat());
    expect(actions.sort()).toEqual(['codeconnections:UseConnection', 'codestar-connections:UseConnection']);
  });

  test('encrypts artifacts with a rotated key for cross-account deploys, and logs artifact bucket access', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    // Bucket and key outlive the stack: the artifacts stay readable after a teardown.
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect({
          type,
          DeletionPolicy: resource.DeletionPolicy,
          UpdateReplacePolicy: resource.UpdateReplacePolicy,
        }).toEqual({ type, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'artifacts/' },
    });
  });
});

/** Apps the tests below only read, built once each: the same configuration makes the same app. */
const appsInOrder = new Map<number, ReturnType<typeof buildApp>>();

/**
 * The fixture with `count` function stacks (`stack-<i>`, one function `fn-<i>` each) in its first environment, in
 * the given order of the configuration (built once per count, in the configuration's own order).
 */
function appWithStacks(count: number, order?: (indexes: number[]) => number[]) {
  if (order) return buildAppWithStacks(count, order);
  if (!appsInOrder.has(count))
    appsInOrder.set(
      count,
      buildAppWithStacks(count, (i) => i),
    );
  return appsInOrder.get(count)!;
}

function buildAppWithStacks(count: number, order: (indexes: number[]) => number[]) {
  const root = copyProject();
  const functions: Record<string, unknown> = {};
  for (const i of order([...Array(count).keys()])) {
    fs.cpSync(path.join(root, 'lambda', 'health-check'), path.join(root, 'lambda', `fn-${i}`), { recursive: true });
    functions[`fn-${i}`] = { stack: `stack-${i}`, layers: ['common'], runtime: 'python3.13' };
  }
  for (const name of ['price-order', 'health-check', 'daily-report'])
    fs.rmSync(path.join(root, 'lambda', name), { recursive: true });
  return buildApp({
    projectRoot: root,
    config: (c) => {
      c.functions = functions;
      c.environments = c.environments.slice(0, 1);
    },
  });
}

/** Every function stack of an app: its construct path, its stack name and its template, by configured stack name. */
function functionStacksOf(app: ReturnType<typeof buildApp>) {
  return new Map(
    app.pipelineStack.environments[0].functionStages
      .flatMap((stage) => stage.functionStacks)
      .map((stack) => [
        stack.configName,
        { path: stack.node.path, stackName: stack.stackName, template: Template.fromStack(stack).toJSON() },
      ]),
  );
}

describe('layers of two architectures', () => {
  // The fixture's domain layer is built for x86_64 instead: arm64 stays synth's, x86_64 gets a build of its own.
  const app = buildApp({ config: (c) => (c.layers.domain.architectures = ['x86_64', 'arm64']) });
  const t = Template.fromStack(app.pipelineStack);
  const { stages: twoArch } = pipelineOf(t);
  const build = twoArch.find((s) => s.Name === 'Build')!;
  const of = (name: string) => build.Actions.find((a) => a.Name === name)!;
  const project = (a: Action) => t.toJSON().Resources[a.Configuration!.ProjectName.Ref].Properties;

  test('keep one extra build action, for the other architecture, before synth', () => {
    expect(build.Actions.map((a) => a.Name)).toEqual(['BuildLayers-x86_64', 'Synth']);
    expect(of('BuildLayers-x86_64').RunOrder).toBeLessThan(of('Synth').RunOrder);
    expect(project(of('BuildLayers-x86_64')).Environment).toMatchObject({
      Image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
      Type: 'LINUX_CONTAINER',
    });
    expect(project(of('Synth')).Environment.Image).toBe('aws/codebuild/amazonlinux-aarch64-standard:3.0');
  });

  test("hand the extra build's output to synth, which merges it into build/layers before the tests and synth", () => {
    const output = of('BuildLayers-x86_64').OutputArtifacts![0].Name;
    expect(of('Synth').InputArtifacts!.map((a) => a.Name)).toContain(output);
    const commands: string[] = JSON.parse(project(of('Synth')).Source.BuildSpec).phases.build.commands;
    const copy = commands.indexOf('cp -R build/layer-outputs/x86_64/. build/layers/');
    expect(copy).toBeGreaterThan(-1);
    expect(copy).toBeLessThan(commands.indexOf('npm test'));
    expect(commands.indexOf('npm test')).toBeLessThan(commands.indexOf('npx cdk synth -c strictLayers=true'));
    const buildspec = JSON.parse(project(of('BuildLayers-x86_64')).Source.BuildSpec);
    expect(buildspec.phases.build.commands).toEqual([
      'npm run build-image',
      'npm run build:layers -- --architecture "$LAYER_ARCHITECTURE"',
    ]);
  });
});

describe("the pipeline's Python is the layers' runtime's", () => {
  const pythonOf = (change: (c: Record<string, any>) => void) => {
    const app = buildApp({ config: change });
    const resources = Template.fromStack(app.pipelineStack).findResources('AWS::CodeBuild::Project');
    return Object.fromEntries(
      Object.values(resources)
        .filter((r) => r.Properties.Source.BuildSpec.includes('npm run build-image'))
        .map((r) => [
          r.Properties.Environment.EnvironmentVariables.find((v: { Name: string }) => v.Name === 'LAYER_ARCHITECTURE')
            .Value,
          JSON.parse(r.Properties.Source.BuildSpec).phases.install['runtime-versions'].python,
        ]),
    );
  };
  const runtime = (r: string) => (c: Record<string, any>) => {
    for (const layer of Object.values(c.layers) as { runtimes: string[] }[]) layer.runtimes = [r];
    for (const fn of Object.values(c.functions) as { runtime?: string }[]) fn.runtime = r;
    c.layers.domain.architectures = ['x86_64', 'arm64'];
  };

  test("layers built for python3.13 are built and tested on Python 3.13, in synth and in the other architecture's build", () => {
    expect(pythonOf(runtime('python3.13'))).toEqual({ arm64: '3.13', x86_64: '3.13' });
  });

  test('layers built for python3.14 on 3.14', () => {
    expect(pythonOf(runtime('python3.14'))).toEqual({ arm64: '3.14', x86_64: '3.14' });
  });
});

describe('a third environment in another region and another account', () => {
  const app = buildApp({
    config: (c) => {
      c.environments.push({
        name: 'us',
        account: '444444444444',
        region: 'us-east-1',
        requiresApproval: true,
        deployment: 'Canary10Percent5Minutes',
      });
    },
  });
  const assembly = app.app.synth();
  const supportArtifact = assembly.stacks.find((s) => s.id.startsWith('cross-region-stack-'))!;
  const support = Template.fromJSON(supportArtifact.template);

  test("gets CDK's support stack in the pipeline account and the new region, tagged with the app", () => {
    expect([supportArtifact.environment.account, supportArtifact.environment.region]).toEqual([
      '111111111111',
      'us-east-1',
    ]);
    expect(supportArtifact.tags).toEqual({ app: 'orders' });
    expect(assembly.stacks.filter((s) => s.id.startsWith('cross-region-stack-'))).toHaveLength(1);
  });

  test("is deployed as the README and docs/bootstrap.md say: named PipelineStack-support-<region>, with the pipeline region's bootstrap roles", () => {
    expect(supportArtifact.stackName).toBe('PipelineStack-support-us-east-1');
    expect([supportArtifact.assumeRoleArn, supportArtifact.cloudFormationExecutionRoleArn]).toEqual([
      'arn:${AWS::Partition}:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-eu-west-1',
      'arn:${AWS::Partition}:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-eu-west-1',
    ]);
    // No bootstrap version is required in the support stack's region: it needs no bootstrap stack there.
    expect(supportArtifact.requiresBootstrapStackVersion).toBeUndefined();
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const bootstrapDoc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs/bootstrap.md'), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain('(`PipelineStack-support-<region>`)');
    expect(bootstrapDoc).toContain("deployed with the pipeline region's bootstrap roles");
  });

  test("retains the support stack's replication bucket and its key, and logs the bucket's accesses", () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key']) {
      const resources = Object.values(support.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources)
        expect([type, r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual([type, 'Retain', 'Retain']);
    }
    support.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    support.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'replication/' },
    });
  });

  test('passes cdk-nag in every stack, the support stack included, with narrow acknowledgements', () => {
    expect(new AwsSolutionsChecks().validateScope(app.app).violations).toEqual([]);
    const acknowledged = app.pipelineStack.pipeline.pipeline.role.node
      .findChild('DefaultPolicy')
      .node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .flatMap((m) => Object.keys(m.data as object));
    expect(acknowledged).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/AwsSolutions-IAM5\[Resource::arn:aws:s3:::pipelinestack-support-us-.*\/\*\]$/),
      ]),
    );
  });

  test("deploys the environment's stacks with its own account's roles, in its region, after an approval", () => {
    const { stages } = pipelineOf(Template.fromStack(app.pipelineStack));
    const names = stages.map((s) => s.Name);
    expect(names.slice(-4)).toEqual(['Us-Approval', 'Us-Layers', 'Us-Functions', 'Us-Health']);
    const deploys = stages
      .filter((s) => s.Name.startsWith('Us-'))
      .flatMap((s) => s.Actions)
      .filter((a) => a.ActionTypeId.Provider === 'CloudFormation');
    for (const deploy of deploys) {
      expect(JSON.stringify(deploy.RoleArn)).toContain(
        ':iam::444444444444:role/cdk-hnb659fds-deploy-role-444444444444-us-east-1',
      );
      expect((deploy as any).Region).toBe('us-east-1');
    }
    expect(stages.find((s) => s.Name === 'Us-Approval')!.Actions.map((a) => [a.Name, a.RunOrder])).toEqual([
      ['ReviewChanges', 1],
      ['PromoteToUs', 2],
    ]);
    expect(stages.find((s) => s.Name === 'Us-Layers')!.Actions.map((a) => [a.Name, a.RunOrder])).toEqual([
      ['Prepare', 1],
      ['Deploy', 2],
    ]);
  });
});

describe('stack identity', () => {
  test.each([
    [MAX_STACKS_PER_WAVE, MAX_STACKS_PER_WAVE + 1],
    [60, 61],
  ])('growing from %i to %i function stacks renames, moves and changes no existing stack', (before, after) => {
    const old = functionStacksOf(appWithStacks(before));
    const grown = functionStacksOf(appWithStacks(after));
    expect(grown.size).toBe(after);
    for (const [name, stack] of old) {
      expect({ name, ...grown.get(name) }).toEqual({ name, ...stack });
    }
  });

  test('reordering the functions of the configuration renames, moves and changes no stack', () => {
    const count = MAX_STACKS_PER_WAVE + 2;
    const ordered = functionStacksOf(appWithStacks(count));
    const reversed = functionStacksOf(appWithStacks(count, (i) => i.reverse()));
    expect(reversed).toEqual(ordered);
  });

  test('names each function stack <Env>-Functions-<Stack>, whichever wave deploys it', () => {
    const stacks = functionStacksOf(appWithStacks(MAX_STACKS_PER_WAVE + 1));
    expect(stacks.get('stack-0')).toMatchObject({
      stackName: 'Dev-Functions-Stack0',
      path: 'PipelineStack/Dev-Functions-Stack0/Stack0',
    });
    expect(stacks.get(`stack-${MAX_STACKS_PER_WAVE}`)).toMatchObject({
      stackName: `Dev-Functions-Stack${MAX_STACKS_PER_WAVE}`,
    });
  });

  test('gives smoke-test roles names unique across stacks, waves and environments', () => {
    const app = appWithStacks(60);
    const names = app.pipelineStack.environments.flatMap((e) =>
      e.functionStages.flatMap((s) => s.functionStacks.map((stack) => stack.smokeTestAccess.roleName)),
    );
    expect(new Set(names).size).toBe(60);
    const fixture = buildApp().pipelineStack.environments.flatMap((e) =>
      e.functionStages.flatMap((s) => s.functionStacks.map((stack) => stack.smokeTestAccess.roleName)),
    );
    expect(new Set(fixture).size).toBe(fixture.length);
    expect(fixture.length).toBe(4);
  });
});

describe('an environment with more function stacks than a pipeline stage holds', () => {
  test('splits them across consecutive waves, no stage over 50 actions', () => {
    const big = appWithStacks(60);
    const { stages: bigStages } = pipelineOf(Template.fromStack(big.pipelineStack));
    const functionStages = bigStages.filter((s) => s.Name.startsWith('Dev-Functions'));
    expect(functionStages.map((s) => s.Name)).toEqual(['Dev-Functions-1', 'Dev-Functions-2', 'Dev-Functions-3']);
    // Two actions per stack (prepare and execute a change set), and the smoke test.
    expect(functionStages.map((s) => s.Actions.length)).toEqual([
      2 * MAX_STACKS_PER_WAVE + 1,
      2 * MAX_STACKS_PER_WAVE + 1,
      2 * 12 + 1,
    ]);
    expect(Math.max(...bigStages.map((s) => s.Actions.length))).toBeLessThanOrEqual(50);
    // CodePipeline caps every value of an action's configuration at 1000 characters.
    for (const a of bigStages.flatMap((s) => s.Actions)) {
      for (const [key, value] of Object.entries(a.Configuration ?? {})) {
        const length = typeof value === 'string' ? value.length : JSON.stringify(value).length;
        expect({ action: a.Name, key, tooLong: length > 1000 }).toEqual({ action: a.Name, key, tooLong: false });
      }
    }
  });
});
