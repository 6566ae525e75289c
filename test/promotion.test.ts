/**
 * The gates between environments, on the synthesized pipeline: each stage condition and rule CodePipeline gets for
 * three environments across two accounts (test/fixtures/promotion/environments.json), the health alarms and roles
 * the rules read, and what a pipeline without V2 does with them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { CodePipeline, CodePipelineSource, ShellStep } from 'aws-cdk-lib/pipelines';
import { applyPromotionGates } from '../pipeline/stage-conditions';
import { buildApp, errorOf, tempDir } from './helpers';

const FIXTURE = path.join(__dirname, 'fixtures', 'promotion', 'environments.json');
const environments = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')).environments;

const { pipelineStack } = buildApp({ config: (c) => (c.environments = structuredClone(environments)) });
const template = Template.fromStack(pipelineStack);
const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
const stages: any[] = pipeline.Properties.Stages;
const stage = (name: string) => stages.find((s) => s.Name === name)!;

/** A CloudWatchAlarm rule reading `<env>`'s health alarm in its account and Region, through its alarm reader. */
function healthRule(name: string, env: string, account: string, region: string, waitMinutes?: number) {
  return {
    Name: name,
    RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'CloudWatchAlarm', Version: '1' },
    Configuration: {
      AlarmName: `orders-${env}-health`,
      AlarmStates: 'ALARM',
      ...(waitMinutes ? { WaitTime: String(waitMinutes) } : {}),
    },
    RoleArn: `arn:aws:iam::${account}:role/orders-${env}-alarm-reader`,
    Region: region,
  };
}

function windowRule(name: string, cron: string, timezone: string) {
  return {
    Name: name,
    RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'DeploymentWindow', Version: '1' },
    Configuration: { Cron: cron, TimeZone: timezone },
  };
}

describe('three environments across two accounts', () => {
  test('are a V2 pipeline: each environment its layers, functions and health, prod its approval first', () => {
    expect(pipeline.Properties.PipelineType).toBe('V2');
    expect(stages.map((s) => s.Name).slice(4)).toEqual([
      'Dev-Layers',
      'Dev-Functions',
      'Dev-Health',
      'Staging-Layers',
      'Staging-Functions',
      'Staging-Health',
      'Prod-Approval',
      'Prod-Layers',
      'Prod-Functions',
      'Prod-Health',
    ]);
  });

  test('roll back each failed stage that deploys into staging and prod; not the approval, not dev (turned off)', () => {
    const onFailure = Object.fromEntries(stages.slice(4).map((s) => [s.Name, s.OnFailure]));
    expect(onFailure).toEqual({
      'Dev-Layers': undefined,
      'Dev-Functions': undefined,
      'Dev-Health': undefined,
      'Staging-Layers': { Result: 'ROLLBACK' },
      'Staging-Functions': { Result: 'ROLLBACK' },
      'Staging-Health': { Result: 'ROLLBACK' },
      'Prod-Approval': undefined,
      'Prod-Layers': { Result: 'ROLLBACK' },
      'Prod-Functions': { Result: 'ROLLBACK' },
      'Prod-Health': { Result: 'ROLLBACK' },
    });
  });

  test("let staging in after 15 minutes of a healthy dev, read in dev's account and Region", () => {
    expect(stage('Dev-Health').OnSuccess).toEqual({
      Conditions: [
        { Result: 'FAIL', Rules: [healthRule('Dev-BakeForStaging', 'dev', '222222222222', 'eu-west-1', 15)] },
      ],
    });
  });

  test("ask prod's approver only after 30 minutes (the default) of a healthy staging, read in eu-central-1", () => {
    expect(stage('Staging-Health').OnSuccess).toEqual({
      Conditions: [
        { Result: 'FAIL', Rules: [healthRule('Staging-BakeForProd', 'staging', '222222222222', 'eu-central-1', 30)] },
      ],
    });
    expect(stage('Prod-Health').OnSuccess).toBeUndefined();
  });

  test('enter staging only in its window, at its layers: it has no approval', () => {
    expect(stage('Staging-Layers').BeforeEntry).toEqual({
      Conditions: [
        { Result: 'FAIL', Rules: [windowRule('Staging-Window', '* * 6-20 ? * MON-FRI *', 'Europe/Berlin')] },
      ],
    });
    expect(stage('Staging-Functions').BeforeEntry).toBeUndefined();
  });

  test("ask prod's approver in prod's window, and deploy nothing into prod while its own health alarm is firing", () => {
    expect(stage('Prod-Approval').BeforeEntry).toEqual({
      Conditions: [
        { Result: 'FAIL', Rules: [windowRule('Prod-Window', '* * 9-16 ? * TUE-THU *', 'America/New_York')] },
      ],
    });
    // Not in one condition with the window: CodePipeline would check the alarm once, maybe long before it opens.
    expect(stage('Prod-Layers').BeforeEntry).toEqual({
      Conditions: [{ Result: 'FAIL', Rules: [healthRule('Prod-NotInAlarm', 'prod', '333333333333', 'eu-west-1')] }],
    });
    for (const name of ['Dev-Layers', 'Prod-Functions', 'Prod-Health']) expect(stage(name).BeforeEntry).toBeUndefined();
  });

  test('name every rule once in the pipeline, and read no alarm without a role and Region', () => {
    const rules = stages.flatMap((s) =>
      [s.BeforeEntry, s.OnSuccess].flatMap((c) => (c?.Conditions ?? []).flatMap((x: any) => x.Rules)),
    );
    expect(rules.length).toBe(5);
    expect(new Set(rules.map((r) => r.Name)).size).toBe(rules.length);
    for (const rule of rules.filter((r) => r.RuleTypeId.Provider === 'CloudWatchAlarm')) {
      expect(rule).toMatchObject({
        RoleArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\//),
        Region: expect.any(String),
      });
    }
  });

  test("are in CloudFormation's shape: the CloudFormation spec's own model of the pipeline reads every key back", () => {
    // cloudformation-include parses a template with the L1 classes generated from the CloudFormation spec: a key it
    // does not know would be kept as a raw override instead of a property.
    const file = path.join(tempDir('gates-'), 'pipeline.json');
    const literal = (v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => k === 'Ref' || k.startsWith('Fn::'))
        ? 'token'
        : v;
    const resource = { Type: 'AWS::CodePipeline::Pipeline', Properties: pipeline.Properties };
    fs.writeFileSync(
      file,
      JSON.stringify({ Resources: { Pipeline: resource } }, (_, v) => literal(v)),
    );
    const included = new CfnInclude(new Stack(new App(), 'Included'), 'Template', { templateFile: file });
    const cfn = included.getResource('Pipeline') as codepipeline.CfnPipeline;
    expect((cfn as any).rawOverrides).toEqual({});
    const parsed = (name: string) => (cfn.stages as any[]).find((s) => s.name === name);
    expect(parsed('Dev-Health').onSuccess.conditions[0].rules[0]).toEqual({
      name: 'Dev-BakeForStaging',
      ruleTypeId: { category: 'Rule', owner: 'AWS', provider: 'CloudWatchAlarm', version: '1' },
      configuration: { AlarmName: 'orders-dev-health', AlarmStates: 'ALARM', WaitTime: '15' },
      roleArn: 'arn:aws:iam::222222222222:role/orders-dev-alarm-reader',
      region: 'eu-west-1',
    });
    expect(parsed('Prod-Approval').beforeEntry.conditions[0].result).toBe('FAIL');
    expect(parsed('Prod-Layers').onFailure).toEqual({ result: 'ROLLBACK' });
  });

  test("let the pipeline's role assume the alarm readers of dev, staging and prod, and no other", () => {
    const roleRef = pipeline.Properties.RoleArn['Fn::GetAtt'][0];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p: any) =>
      p.Properties.Roles.some((r: any) => r.Ref === roleRef),
    );
    const statements = policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const readers = statements.filter((s: any) => s.Sid === 'ReadTheEnvironmentsHealthAlarms');
    expect(readers).toEqual([
      {
        Sid: 'ReadTheEnvironmentsHealthAlarms',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: [
          'arn:aws:iam::222222222222:role/orders-dev-alarm-reader',
          'arn:aws:iam::222222222222:role/orders-staging-alarm-reader',
          'arn:aws:iam::333333333333:role/orders-prod-alarm-reader',
        ],
      },
    ]);
  });
});

describe('the health alarms the rules read', () => {
  const env = pipelineStack.environments.find((e) => e.environment.name === 'staging')!;
  const health = Template.fromStack(env.healthStage.healthStack);

  test("staging's health stack deploys in staging's account and Region, after its function stacks", () => {
    expect([env.healthStage.healthStack.account, env.healthStage.healthStack.region]).toEqual([
      '222222222222',
      'eu-central-1',
    ]);
    expect(env.healthStage.healthStack.stackName).toBe('Staging-Health');
    const names = stages.map((s) => s.Name);
    expect(names.indexOf('Staging-Health')).toBe(names.indexOf('Staging-Functions') + 1);
  });

  test("is a composite alarm of the environment's function stacks' health alarms, by name", () => {
    health.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    const [alarm] = Object.values(health.findResources('AWS::CloudWatch::CompositeAlarm'));
    expect(alarm.Properties.AlarmName).toBe('orders-staging-health');
    const rule = JSON.stringify(alarm.Properties.AlarmRule);
    for (const stack of ['orders', 'reports'])
      expect(rule).toContain(`:cloudwatch:eu-central-1:222222222222:alarm:orders-staging-${stack}-health`);
    expect(alarm.Properties.AlarmActions).toBeUndefined();
  });

  test('is read through a role the pipeline account may assume, which may read this alarm and nothing else', () => {
    health.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'orders-staging-alarm-reader',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::111111111111:root' },
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'ReadTheHealthAlarm',
          PolicyDocument: {
            Statement: [
              {
                Action: ['cloudwatch:DescribeAlarmHistory', 'cloudwatch:DescribeAlarms'],
                Effect: 'Allow',
                Resource: 'arn:aws:cloudwatch:eu-central-1:222222222222:alarm:orders-staging-health',
              },
            ],
          },
        },
      ],
    });
  });

  test("each function stack's health alarm is a composite of its functions' error alarms, in its own stack", () => {
    for (const functionStack of env.functionStages.flatMap((s) => s.functionStacks)) {
      const t = Template.fromStack(functionStack);
      const [alarm] = Object.values(t.findResources('AWS::CloudWatch::CompositeAlarm'));
      expect(alarm.Properties.AlarmName).toBe(`orders-staging-${functionStack.configName}-health`);
      const errorAlarms = [...functionStack.releases.values()].map((r) =>
        functionStack.getLogicalId(r.errorsAlarm.node.defaultChild as any),
      );
      const rule = JSON.stringify(alarm.Properties.AlarmRule);
      expect(errorAlarms.length).toBe(functionStack.functions.size);
      for (const id of errorAlarms) expect(rule).toContain(`"${id}","Arn"`);
      expect(rule).not.toMatch(/hrottle/);
    }
  });
});

describe('stage conditions', () => {
  test('need a V2 pipeline: a V1 one is refused, naming it', () => {
    const stack = new Stack(new App(), 'V1', { env: { account: '111111111111', region: 'eu-west-1' } });
    const v1 = new CodePipeline(stack, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V1,
      synth: new ShellStep('Synth', {
        input: CodePipelineSource.connection('example-org/repo', 'main', {
          connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/example',
        }),
        commands: ['true'],
      }),
    });
    v1.buildPipeline();
    expect(errorOf(() => applyPromotionGates(v1, 'orders', []))).toBe(
      'stage conditions need a V2 pipeline; V1/Pipeline/Pipeline is V1',
    );
  });

  test('an environment without approval, bake, window or rollback gets no condition', () => {
    const { pipelineStack: plain } = buildApp({
      config: (c) => {
        c.environments = [
          { ...c.environments[0], promotion: { rollbackOnFailure: false } },
          { ...c.environments[1], requiresApproval: false, promotion: { rollbackOnFailure: false } },
        ];
      },
    });
    const plainTemplate = Template.fromStack(plain);
    const [p] = Object.values(plainTemplate.findResources('AWS::CodePipeline::Pipeline'));
    expect(p.Properties.Stages.length).toBe(10);
    const gated = p.Properties.Stages.filter((s: any) => s.BeforeEntry || s.OnSuccess || s.OnFailure);
    expect(gated.map((s: any) => s.Name)).toEqual([]);
    // No rule reads an alarm, so the pipeline's role may assume no alarm reader.
    expect(JSON.stringify(plainTemplate.toJSON())).not.toContain('ReadTheEnvironmentsHealthAlarms');
  });
});
