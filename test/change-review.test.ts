/**
 * The change review before an approval, as the pipeline wires it: its inputs, commands, role and the approval that
 * reads it. What it says of real diffs: change-review-diffs.test.ts.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { SERVICE_PREFIXES } from '../lib/policy/execution-policy';
import { changeReviewCommands } from '../pipeline/change-review-step';
import { synthApp } from './helpers';

const CLI_VERSION: string = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'))
  .devDependencies['aws-cdk'];

// Two environments after dev ask for approval; `prod-eu` is the one whose stage names come closest to prod's.
const { created, assembly } = synthApp({
  config: (c) => {
    c.environments.push({
      name: 'prod-eu',
      account: '444444444444',
      region: 'eu-central-1',
      requiresApproval: true,
      deployment: 'Canary10Percent5Minutes',
    });
  },
});
const template = Template.fromStack(created.pipelineStack);
const resources = template.toJSON().Resources;
const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
const stages: { Name: string; Actions: any[] }[] = pipeline.Properties.Stages;

function reviewOf(env: string) {
  const actions = stages.find((s) => s.Name === `${env}-Approval`)!.Actions;
  const review = actions.find((a) => a.Name === 'ReviewChanges');
  const approval = actions.find((a) => a.ActionTypeId.Category === 'Approval');
  return { actions, review, approval };
}

function projectOf(action: any) {
  return resources[action.Configuration.ProjectName.Ref].Properties;
}

describe('the change review before an approval', () => {
  test.each([
    ['Prod', '333333333333', 'eu-west-1'],
    ['ProdEu', '444444444444', 'eu-central-1'],
  ])('%s: reviews the cloud assembly first; the approval carries its summary and links to its diff', (env) => {
    const { review, approval } = reviewOf(env);
    expect(review.ActionTypeId).toMatchObject({ Category: 'Build', Provider: 'CodeBuild' });
    // The source checkout, which holds tools/review_changes.py, with the cloud assembly beside it in cdk.out.
    const source = stages.find((s) => s.Name === 'Source')!.Actions[0].OutputArtifacts[0].Name;
    expect(review.InputArtifacts).toEqual([{ Name: source }, { Name: 'Synth_Output' }]);
    expect(review.Configuration.PrimarySource).toBe(source);
    expect(approval.RunOrder).toBeGreaterThan(review.RunOrder);
    expect(approval.Configuration.CustomData).toContain(`#{${review.Namespace}.REVIEW_SUMMARY}`);
    expect(approval.Configuration.ExternalEntityLink).toBe(`#{${review.Namespace}.REVIEW_LINK}`);
    const buildspec = JSON.parse(projectOf(review).Source.BuildSpec);
    expect(buildspec.env['exported-variables'].sort()).toEqual(['REVIEW_LINK', 'REVIEW_SUMMARY']);
    expect(buildspec.phases.install.commands).toEqual([
      expect.stringContaining('ln -s -- "$CODEBUILD_SRC_DIR_Synth_Output" "cdk.out"'),
      `npm install -g aws-cdk@${CLI_VERSION}`,
    ]);
    expect(buildspec.phases.build.commands).toEqual(changeReviewCommands(`PipelineStack/${env}-*/*`));
    // The review and the approval are alone in their stage, and every deploy of the environment comes after it.
    expect(reviewOf(env).actions).toEqual([review, approval]);
    const approvalStage = stages.findIndex((s) => s.Name === `${env}-Approval`);
    const deploys = stages.flatMap((s, i) =>
      s.Name.startsWith(`${env}-`) && s.Actions.some((a) => a.ActionTypeId.Category === 'Deploy') ? [i] : [],
    );
    expect(deploys.length).toBeGreaterThan(0);
    for (const index of deploys) expect(index).toBeGreaterThan(approvalStage);
  });

  test('an environment without requiresApproval has neither review nor approval', () => {
    expect(stages.find((s) => s.Name === 'Dev-Approval')).toBeUndefined();
    const devActions = stages.filter((s) => s.Name.startsWith('Dev-')).flatMap((s) => s.Actions);
    expect(devActions.length).toBeGreaterThan(0);
    expect(devActions.filter((a) => a.Name === 'ReviewChanges' || a.ActionTypeId.Category === 'Approval')).toEqual([]);
  });

  test.each([
    ['Prod', '333333333333', 'eu-west-1'],
    ['ProdEu', '444444444444', 'eu-central-1'],
  ])("%s: its role may assume only the environment's read-only lookup role", (env, account, region) => {
    const roleArn = projectOf(reviewOf(env).review).ServiceRole['Fn::GetAtt'][0];
    const policy = Object.values(resources).find(
      (r: any) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: any) => x.Ref === roleArn),
    ) as any;
    const assumes = policy.Properties.PolicyDocument.Statement.filter((s: any) =>
      [s.Action].flat().some((a: string) => a.startsWith('sts:')),
    );
    expect(assumes).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:role/cdk-hnb659fds-lookup-role-${account}-${region}`],
          ],
        },
      },
    ]);
  });

  test("its selector picks every stack of the environment and no other's, as the pinned CLI reads it", () => {
    const cli = path.join(__dirname, '..', 'node_modules', '.bin', 'cdk');
    const listed = (selector: string) =>
      execFileSync(cli, ['ls', '-a', assembly.directory, '--no-notices', selector], {
        encoding: 'utf8',
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
        .trim()
        .split('\n')
        .map((line) => line.split(' ')[0])
        .sort();
    for (const env of ['Prod', 'ProdEu']) {
      const expected = assembly.stacksRecursively
        .map((s) => s.hierarchicalId)
        .filter((id) => id.startsWith(`PipelineStack/${env}-`))
        .sort();
      expect(expected.length).toBeGreaterThan(2);
      expect(listed(`PipelineStack/${env}-*/*`)).toEqual(expected);
    }
  });
});

describe("the review's stateful resource types", () => {
  // tools/review_changes.py's own table, read by Python, held to a dated copy of the CloudFormation resource types the
  // CDK's service spec marks stateful (test/fixtures/cfn-resource-spec.json).
  const stateful = JSON.parse(
    execFileSync(
      process.env.PYTHON ?? 'python3',
      ['-c', 'import json, review_changes; print(json.dumps(sorted(review_changes.STATEFUL)))'],
      { cwd: path.join(__dirname, '..', 'tools'), encoding: 'utf8' },
    ),
  ) as string[];
  const spec = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'cfn-resource-spec.json'), 'utf8')) as {
    statefulTypes: string[];
  };

  test('include every type the spec marks stateful in the services a stack here may create', () => {
    const services = new Set(Object.keys(SERVICE_PREFIXES));
    const inUse = spec.statefulTypes.filter((type) => services.has(type.split('::')[1]));
    expect(inUse.length).toBeGreaterThan(5);
    expect(inUse.filter((type) => !stateful.includes(type))).toEqual([]);
  });
});
