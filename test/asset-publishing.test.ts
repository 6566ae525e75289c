/**
 * The Assets stage: the layer zips and function code are published by the project's pinned CDK CLI, never by an
 * unpinned `cdk-assets@latest`. What the commands do against AWS is run for real in the deploy suite (test/deploy,
 * scenario "the pipeline's asset publishing").
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr_assets from 'aws-cdk-lib/aws-ecr-assets';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { createApp } from '../bin/main';
import { cdkJsonContext, configErrorOf, FIXTURE_ROOT, synthApp, tempDir } from './helpers';

const CLI_VERSION: string = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'))
  .devDependencies['aws-cdk'];

const { created, assembly } = synthApp();
const template = Template.fromStack(created.pipelineStack);
const resources = template.toJSON().Resources;
const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
const assetActions: any[] = pipeline.Properties.Stages.find((s: any) => s.Name === 'Assets').Actions;
const assetProjects = assetActions.map((a) => resources[a.Configuration.ProjectName.Ref].Properties);

/** Every file of the cloud assembly, nested assemblies included, by its path under the assembly. */
function assemblyFiles(dir: string, under = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(under, entry.name);
    if (entry.isDirectory())
      return entry.name.startsWith('asset.') ? [] : assemblyFiles(path.join(dir, entry.name), relative);
    return [relative];
  });
}

describe('the Assets stage', () => {
  test('has one CodeBuild action, and its buildspec lives in the template', () => {
    expect(assetActions.map((a) => [a.Name, a.ActionTypeId.Provider])).toEqual([['FileAssets', 'CodeBuild']]);
    for (const project of assetProjects) expect(project.Source.BuildSpec.trimStart()).toMatch(/^\{/);
  });

  test("installs package.json's CDK CLI and publishes each environment's stacks with it, in promotion order", () => {
    for (const project of assetProjects) {
      const buildspec = JSON.parse(project.Source.BuildSpec);
      expect(buildspec.phases.install.commands).toEqual([`npm install -g aws-cdk@${CLI_VERSION}`]);
      expect(buildspec.phases.build.commands).toEqual([
        "cdk publish-assets -a . --unstable=publish-assets --exclusively --no-notices 'PipelineStack/Dev-*/*'",
        "cdk publish-assets -a . --unstable=publish-assets --exclusively --no-notices 'PipelineStack/Prod-*/*'",
      ]);
    }
  });

  test('nothing installs an unpinned tool: no @latest in the template, no cdk-assets anywhere in the assembly', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('@latest');
    const mentions = assemblyFiles(assembly.directory).filter((file) =>
      fs.readFileSync(path.join(assembly.directory, file), 'utf8').includes('cdk-assets'),
    );
    expect(mentions).toEqual([]);
  });

  test("the commands' stacks, as the pinned CLI selects them, are every stack of every environment: each one with an asset", () => {
    const cli = path.join(__dirname, '..', 'node_modules', '.bin', 'cdk');
    const commands: string[] = assetProjects.flatMap((p) => JSON.parse(p.Source.BuildSpec).phases.build.commands);
    const selected = commands
      .flatMap((command) => {
        const selector = command.match(/'([^']+)'$/)![1];
        return execFileSync(cli, ['ls', '-a', assembly.directory, '--no-notices', selector], {
          encoding: 'utf8',
          env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        })
          .trim()
          .split('\n')
          .map((line) => line.split(' ')[0]);
      })
      .sort();
    const stageStacks = assembly.stacksRecursively.filter((s) => s.hierarchicalId !== 'PipelineStack');
    expect(selected).toEqual(stageStacks.map((s) => s.hierarchicalId).sort());
    // Every file asset CDK Pipelines would publish (code, beside each stack's own template) is in a selected stack.
    const withCode = stageStacks.filter((stack) =>
      stack.dependencies
        .filter((d): d is AssetManifestArtifact => d instanceof AssetManifestArtifact)
        .some((m) => Object.values<any>(m.contents.files ?? {}).some((f) => f.source.packaging === 'zip')),
    );
    expect(withCode.length).toBeGreaterThan(0);
    expect(selected).toEqual(expect.arrayContaining(withCode.map((s) => s.hierarchicalId)));
  });

  test("its role may assume each target's file-publishing role (to upload) and deploy role (the CLI reads the bootstrap version through it), nothing else", () => {
    const roles = new Set(assetProjects.map((p) => p.ServiceRole['Fn::GetAtt'][0]));
    const assumed = Object.values<any>(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => roles.has(x.Ref)))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => s.Effect === 'Allow' && [s.Action].flat().some((a: string) => a.startsWith('sts:')))
      .flatMap((s) => [s.Resource].flat().map((r: any) => r['Fn::Sub'] ?? r))
      .sort();
    const role = (kind: string, account: string) =>
      `arn:\${AWS::Partition}:iam::${account}:role/cdk-hnb659fds-${kind}-role-${account}-eu-west-1`;
    expect(assumed).toEqual(
      [
        role('deploy', '222222222222'),
        role('deploy', '333333333333'),
        role('file-publishing', '222222222222'),
        role('file-publishing', '333333333333'),
      ].sort(),
    );
  });
});

test('a container image asset in a stage is refused at synth, naming its stack and the fix', () => {
  const docker = tempDir('image-asset-');
  fs.writeFileSync(path.join(docker, 'Dockerfile'), 'FROM scratch\n');
  const error = configErrorOf(() =>
    createApp({
      context: cdkJsonContext(),
      projectRoot: FIXTURE_ROOT,
      services: { reports: (ctx) => void new ecr_assets.DockerImageAsset(ctx.scope, 'Image', { directory: docker }) },
    }),
  );
  expect(error.problems.map((p) => p.setting)).toEqual([
    'the stack PipelineStack/Dev-Functions-Reports/Reports',
    'the stack PipelineStack/Prod-Functions-Reports/Reports',
  ]);
  expect(error.message).toContain(
    "The pipeline's asset publishing has 2 problems:\n  - the stack PipelineStack/Dev-Functions-Reports/Reports = ",
  );
  expect(error.message).toContain(
    'is a container image asset, which the pipeline does not publish (its asset step has no Docker). Fix: give the ' +
      'function its code as a zip (Code.fromAsset of a folder), or publish the image with a step of your own.',
  );
});
