/**
 * Alarms outside deployments: every on-call alarm notifies its environment's alarm topic, which CloudWatch may use
 * for this environment's alarms only; the pipeline's notifications are as narrowly granted.
 */
import { ASSET_RESOURCE_METADATA_ENABLED_CONTEXT } from 'aws-cdk-lib/cx-api';
import { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createSandboxApp } from '../bin/main';
import { ALARMS_PRINCIPAL } from '../lib/constructs/alarm-topic';
import { alarmTopicName } from '../lib/config/naming';
import { NOTIFICATIONS_PRINCIPAL } from '../pipeline/notifications';
import { baseConfig, buildApp, cdkJsonContext, configErrorOf, FIXTURE_ROOT } from './helpers';

const config = baseConfig();
const created = buildApp();
const environmentNames: string[] = config.environments.map((e: { name: string }) => e.name);

/** The statements of every policy document of a type in a template that name a service principal. */
function statementsFor(template: Template, type: string, property: string, service: string): any[] {
  return Object.values(template.findResources(type)).flatMap((r) =>
    r.Properties[property].Statement.filter((s: any) => JSON.stringify(s.Principal ?? {}).includes(service)),
  );
}

/**
 * Expects the one statement of each policy that names `service` to allow it `sns:Publish` on the topic and
 * `kms:Decrypt`/`kms:GenerateDataKey*` on the key, under `condition`.
 */
function expectConditionedGrants(template: Template, service: string, condition: unknown): void {
  expect(statementsFor(template, 'AWS::SNS::TopicPolicy', 'PolicyDocument', service)).toEqual([
    expect.objectContaining({ Effect: 'Allow', Action: 'sns:Publish', Condition: condition }),
  ]);
  expect(statementsFor(template, 'AWS::KMS::Key', 'KeyPolicy', service)).toEqual([
    expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: condition }),
  ]);
}

/** Whether an alarm name matches an `aws:SourceArn` pattern's resource name (`*` any characters). */
function matchesPattern(name: string, pattern: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return regex.test(name);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe.each(environmentNames.map((name, i) => [name, i] as const))(
  "environment %s's alarm topic",
  (envName, index) => {
    const environment = config.environments[index];
    const env = created.pipelineStack.environments[index];
    const layers = Template.fromStack(env.layerStage.layersStack);
    const topicName = alarmTopicName(config.appName, envName);
    const sourceArn = `arn:aws:cloudwatch:${environment.region}:${environment.account}:alarm:${config.appName}-${envName}-*`;
    const conditions = {
      StringEquals: { 'aws:SourceAccount': environment.account },
      ArnLike: { 'aws:SourceArn': sourceArn },
    };

    test('is one named topic in the layer stack, encrypted with a rotated, retained key of its own, TLS only', () => {
      layers.resourceCountIs('AWS::SNS::Topic', 1);
      const [topic] = Object.values(layers.findResources('AWS::SNS::Topic'));
      expect(topic.Properties.TopicName).toBe(topicName);
      const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
      const key = layers.toJSON().Resources[keyId];
      expect(key).toMatchObject({
        Type: 'AWS::KMS::Key',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { EnableKeyRotation: true },
      });
      const [policy] = Object.values(layers.findResources('AWS::SNS::TopicPolicy'));
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      );
    });

    test("lets CloudWatch publish and use the key for this environment's alarms of this account only", () => {
      expectConditionedGrants(layers, ALARMS_PRINCIPAL, conditions);
    });

    test("e-mails the environment's alarms.notify, and nobody where it has none", () => {
      const endpoints = Object.values(layers.findResources('AWS::SNS::Subscription')).map((s) => [
        s.Properties.Protocol,
        s.Properties.Endpoint,
      ]);
      expect(endpoints).toEqual((environment.alarms?.notify ?? []).map((email: string) => ['email', email]));
    });

    test('is notified by every on-call alarm of every function stack, going off and OK again, by an ARN built in place', () => {
      const topicArn = `arn:aws:sns:${environment.region}:${environment.account}:${topicName}`;
      const stacks = env.functionStages.flatMap((s) => s.functionStacks);
      expect(stacks.length).toBeGreaterThan(0);
      for (const stack of stacks) {
        const resources = Template.fromStack(stack).toJSON().Resources;
        const idOf = (alarm: { node: { defaultChild?: unknown } }): string =>
          stack.resolve((alarm.node.defaultChild as CfnElement).logicalId);
        const releases = [...stack.releases.values()];
        // The alarms that gate a release notify nobody: CodeDeploy acts on them, and the pipeline reports the failure.
        for (const id of releases.flatMap((r) => [r.releaseErrorsAlarm, r.releaseThrottlesAlarm]).map(idOf)) {
          expect(resources[id].Properties.AlarmActions).toBeUndefined();
          expect(resources[id].Properties.OKActions).toBeUndefined();
        }
        const alarms = releases.flatMap((r) => [r.errorsAlarm, r.throttlesAlarm]).map((a) => resources[idOf(a)]);
        expect(alarms).toHaveLength(2 * stack.functions.size);
        for (const alarm of alarms) {
          expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
          expect(alarm.Properties.OKActions).toEqual([topicArn]);
          // The name the topic's conditions accept, unique to the stack and function.
          expect(matchesPattern(alarm.Properties.AlarmName, `${config.appName}-${envName}-*`)).toBe(true);
          const [fn] = [...stack.functions.keys()].filter((name) =>
            [`errors`, `throttles`].some(
              (m) => alarm.Properties.AlarmName === `${config.appName}-${envName}-${stack.configName}-${name}-${m}`,
            ),
          );
          expect(fn).toBeDefined();
        }
      }
    });
  },
);

describe('alarm topics elsewhere', () => {
  test("a sandbox's alarm topic is its own, and its key is not retained: destroy leaves nothing", () => {
    const { sandbox } = createSandboxApp({
      context: { ...cdkJsonContext(), [ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true, config, sandbox: 'alice' },
      projectRoot: FIXTURE_ROOT,
    });
    const layers = Template.fromStack(sandbox.layersStack);
    layers.hasResourceProperties('AWS::SNS::Topic', { TopicName: `${config.appName}-sandbox-alice-alarms` });
    for (const key of Object.values(layers.findResources('AWS::KMS::Key'))) {
      expect(key.DeletionPolicy).toBe('Delete');
    }
    const [alarm] = Object.values(
      Template.fromStack(sandbox.functionStacks[0]).findResources('AWS::CloudWatch::Alarm'),
    );
    expect(alarm.Properties.AlarmName).toMatch(new RegExp(`^${config.appName}-sandbox-alice-`));
  });

  test('a bad alarms.notify is refused, every problem at once, naming the setting and the fix', () => {
    const error = configErrorOf(() =>
      buildApp({
        config: (c) => {
          c.environments[0].alarms = { notify: 'oncall@example.com' };
          c.environments[1].alarms = { notify: ['oncall', 'a@b.io', 'a@b.io'] };
        },
      }),
    );
    expect(error.problems.map((p) => [p.setting, p.message])).toEqual([
      ['config.environments[0].alarms.notify', 'must be a non-empty list'],
      ['config.environments[1].alarms.notify[0]', 'is not an e-mail address'],
      ['config.environments[1].alarms.notify', 'lists a value twice'],
    ]);
    expect(error.problems[1].fix).toContain('oncall@example.com');
  });
});

describe("the pipeline's notifications", () => {
  const template = Template.fromStack(created.pipelineStack);
  const ownAccount = { StringEquals: { 'aws:SourceAccount': config.pipeline.account } };

  test("CodeStar Notifications may publish and use the key for the pipeline's account only", () => {
    expectConditionedGrants(template, NOTIFICATIONS_PRINCIPAL, ownAccount);
  });
});
