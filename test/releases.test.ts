/**
 * Releases: each function's `live` alias moves to a new version through CodeDeploy, and only the new version's own
 * errors and throttles (Lambda's `ExecutedVersion` dimension) can stop and roll back the shift, at the thresholds
 * of the environment's `alarms` setting. The alarms that gate a release are created for it; the on-call alarms that
 * watch the live version gate nothing. Tested on the fixture project: dev releases all at once, prod by canary.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { CreatedApp } from '../bin/main';
import { FunctionStack } from '../lib/constructs/function-stack';
import { LIVE_ALIAS, LiveAlias, SLOW_ALARMS_WARNING } from '../lib/constructs/live-alias';
import { baseConfig, buildApp, copyProject } from './helpers';

const environments: { name: string; account: string }[] = baseConfig().environments;

/** One function's release in a synthesized function stack: the logical ids of what the alias hangs on. */
interface Release {
  readonly environment: string;
  readonly stackName: string;
  readonly functionName: string;
  readonly template: Template;
  readonly functionId: string;
  readonly aliasId: string;
  /** The on-call alarms. */
  readonly errorsAlarmId: string;
  readonly throttlesAlarmId: string;
  /** The alarms that gate this release. */
  readonly releaseErrorsAlarmId: string;
  readonly releaseThrottlesAlarmId: string;
  readonly deploymentGroupId: string;
}

/** Every alarm of a release: the two that gate it, then the two on call. */
const alarmIdsOf = (r: Release) => [
  r.releaseErrorsAlarmId,
  r.releaseThrottlesAlarmId,
  r.errorsAlarmId,
  r.throttlesAlarmId,
];

/** Every function stack of the app, by environment name (found in the tree: waves do not matter). */
function functionStacks(created: CreatedApp): Map<string, FunctionStack[]> {
  const stacks = created.app.node.findAll().filter((c): c is FunctionStack => c instanceof FunctionStack);
  return new Map(environments.map((e) => [e.name, stacks.filter((s) => s.account === e.account)]));
}

/** Every function's release, in every environment. */
function releasesOf(created: CreatedApp): Release[] {
  return [...functionStacks(created)].flatMap(([environment, stacks]) =>
    stacks.flatMap((stack) => {
      const template = Template.fromStack(stack);
      // The id as synthesized, overrides included (a release alarm's carries its version's hash).
      const id = (element: { node: { defaultChild?: unknown } }): string =>
        stack.resolve((element.node.defaultChild as CfnElement).logicalId);
      return [...stack.releases].map(([functionName, release]: [string, LiveAlias]) => ({
        environment,
        stackName: stack.stackName,
        functionName,
        template,
        functionId: id(stack.functions.get(functionName)!.function),
        aliasId: id(release.alias),
        errorsAlarmId: id(release.errorsAlarm),
        throttlesAlarmId: id(release.throttlesAlarm),
        releaseErrorsAlarmId: id(release.releaseErrorsAlarm),
        releaseThrottlesAlarmId: id(release.releaseThrottlesAlarm),
        deploymentGroupId: id(release.deploymentGroup),
      }));
    }),
  );
}

/** The slow-alarm warnings given anywhere under a stack, read from the construct tree (no synth needed). */
function slowAlarmWarnings(stack: IConstruct): string[] {
  return stack.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === 'aws:cdk:warning' && String(m.data).includes(SLOW_ALARMS_WARNING))
    .map((m) => String(m.data));
}

const resource = (release: Release, logicalId: string) => release.template.toJSON().Resources[logicalId];

/** The alarm's dimensions by name. */
const dimensionsOf = (alarm: any): Record<string, unknown> =>
  Object.fromEntries(alarm.Properties.Dimensions.map((d: any) => [d.Name, d.Value]));

/** What an alarm's thresholds and evaluation are. */
const evaluationOf = (alarm: any) => ({
  metric: alarm.Properties.MetricName,
  threshold: alarm.Properties.Threshold,
  period: alarm.Properties.Period,
  evaluationPeriods: alarm.Properties.EvaluationPeriods,
});

const defaults = buildApp();
const releases = releasesOf(defaults);

describe('the release alarms', () => {
  test('exist for every function of the fixture, in every environment', () => {
    const expected = environments.flatMap((e) => Object.keys(baseConfig().functions).map((fn) => `${e.name}/${fn}`));
    expect(releases.map((r) => `${r.environment}/${r.functionName}`).sort()).toEqual(expected.sort());
    for (const template of new Set(releases.map((r) => r.template))) {
      const aliases = Object.keys(template.findResources('AWS::Lambda::Alias'));
      template.resourceCountIs('AWS::CloudWatch::Alarm', 4 * aliases.length);
    }
  });

  test('watch the version the live alias points to, through the alias: FunctionName, Resource and ExecutedVersion', () => {
    for (const release of releases) {
      const alias = resource(release, release.aliasId);
      expect(alias.Properties.Name).toBe(LIVE_ALIAS);
      const version = alias.Properties.FunctionVersion;
      const [versionId] = version['Fn::GetAtt'];
      expect(resource(release, versionId).Type).toBe('AWS::Lambda::Version');
      for (const alarmId of alarmIdsOf(release)) {
        const alarm = resource(release, alarmId);
        expect({ alarmId, dimensions: dimensionsOf(alarm) }).toEqual({
          alarmId,
          dimensions: {
            FunctionName: { Ref: release.functionId },
            Resource: { 'Fn::Join': ['', [{ Ref: release.functionId }, `:${LIVE_ALIAS}`]] },
            ExecutedVersion: version,
          },
        });
        expect(alarm.Properties).toMatchObject({ Namespace: 'AWS/Lambda', Statistic: 'Sum' });
        expect(alarm.Properties.AlarmDescription).toContain('ExecutedVersion');
      }
      for (const alarmId of [release.errorsAlarmId, release.releaseErrorsAlarmId])
        expect(resource(release, alarmId).Properties.MetricName).toBe('Errors');
      for (const alarmId of [release.throttlesAlarmId, release.releaseThrottlesAlarmId])
        expect(resource(release, alarmId).Properties.MetricName).toBe('Throttles');
    }
  });

  test('go off at the first error or throttle in a minute by default, in every environment', () => {
    for (const release of releases) {
      for (const alarmId of alarmIdsOf(release)) {
        const alarm = resource(release, alarmId);
        expect(alarm.Properties).toMatchObject({
          Threshold: 1,
          Period: 60,
          EvaluationPeriods: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
        expect(alarm.Properties.AlarmDescription).toContain('at least 1 in each of 1 consecutive 1-minute period(s)');
      }
    }
  });

  test("that gate the release, and only they, are listed by the function's deployment group, which stops and rolls back on either", () => {
    for (const release of releases) {
      const alias = resource(release, release.aliasId);
      expect(alias.UpdatePolicy.CodeDeployLambdaAliasUpdate.DeploymentGroupName).toEqual({
        Ref: release.deploymentGroupId,
      });
      const group = resource(release, release.deploymentGroupId);
      expect(group.Properties.AlarmConfiguration).toEqual({
        Enabled: true,
        Alarms: [{ Name: { Ref: release.releaseErrorsAlarmId } }, { Name: { Ref: release.releaseThrottlesAlarmId } }],
      });
      expect(group.Properties.AutoRollbackConfiguration.Events).toEqual(
        expect.arrayContaining(['DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST']),
      );
    }
  });

  test('that gate the release exist, and the deployment group lists them, before the alias moves', () => {
    for (const release of releases) {
      expect(resource(release, release.aliasId).DependsOn).toEqual(
        expect.arrayContaining([
          release.releaseErrorsAlarmId,
          release.releaseThrottlesAlarmId,
          release.deploymentGroupId,
        ]),
      );
    }
  });

  test('that gate a release notify nobody; those on call notify and gate nothing, named for the function', () => {
    for (const release of releases) {
      const listed = JSON.stringify(
        Object.values(release.template.findResources('AWS::CodeDeploy::DeploymentGroup')).map(
          (g) => g.Properties.AlarmConfiguration,
        ),
      );
      for (const alarmId of [release.errorsAlarmId, release.throttlesAlarmId]) {
        expect({ alarmId, listed: listed.includes(`"${alarmId}"`) }).toEqual({ alarmId, listed: false });
        expect(resource(release, alarmId).Properties.AlarmActions).toHaveLength(1);
      }
      for (const alarmId of [release.releaseErrorsAlarmId, release.releaseThrottlesAlarmId]) {
        const alarm = resource(release, alarmId).Properties;
        expect({ alarmId, actions: [alarm.AlarmActions, alarm.OKActions] }).toEqual({
          alarmId,
          actions: [undefined, undefined],
        });
        expect(alarm.AlarmName).toMatch(
          new RegExp(
            `^orders-${release.environment}-.+-${release.functionName}-release-[0-9a-f]{8}-(errors|throttles)$`,
          ),
        );
      }
    }
  });

  test('fit in the default deployments: no warning that they are slower than the release', () => {
    for (const stacks of functionStacks(defaults).values()) {
      for (const stack of stacks) {
        expect({ stack: stack.stackName, warnings: slowAlarmWarnings(stack) }).toEqual({
          stack: stack.stackName,
          warnings: [],
        });
      }
    }
  });
});

describe('a fix pushed while the live version is failing (its on-call alarm in ALARM)', () => {
  // CloudFormation creates a resource whose logical id is new (its alarm starts in INSUFFICIENT_DATA) and updates one
  // whose id it knows (an updated alarm keeps its state, ALARM included, until its next evaluation).
  const project = copyProject();
  fs.appendFileSync(path.join(project, 'lambda', 'price-order', 'handler.py'), '\n# the fix\n');
  const fixed = releasesOf(buildApp({ projectRoot: project }));
  const pairs = releases.map((before) => {
    const after = fixed.find((r) => r.environment === before.environment && r.functionName === before.functionName)!;
    return { before, after, fixedFunction: before.functionName === 'price-order' };
  });
  const idsOf = (template: Template) => new Set(Object.keys(template.toJSON().Resources));

  test('is gated by alarms created for it: none of them is a resource of the failing release', () => {
    expect(pairs.filter((p) => p.fixedFunction)).toHaveLength(environments.length);
    for (const { before, after } of pairs.filter((p) => p.fixedFunction)) {
      const group = resource(after, after.deploymentGroupId).Properties.AlarmConfiguration.Alarms;
      const gating: string[] = group.map((a: any) => a.Name.Ref);
      expect(gating).toEqual([after.releaseErrorsAlarmId, after.releaseThrottlesAlarmId]);
      for (const alarmId of gating)
        expect({ alarmId, existed: idsOf(before.template).has(alarmId) }).toEqual({ alarmId, existed: false });
      // The failing release's gating alarms leave the template: CloudFormation deletes them once the fix has shipped.
      for (const alarmId of [before.releaseErrorsAlarmId, before.releaseThrottlesAlarmId])
        expect({ alarmId, kept: idsOf(after.template).has(alarmId) }).toEqual({ alarmId, kept: false });
      const names = (r: Release) =>
        [r.releaseErrorsAlarmId, r.releaseThrottlesAlarmId].map((id) => resource(r, id).Properties.AlarmName);
      expect(names(after).filter((n) => names(before).includes(n))).toEqual([]);
    }
  });

  test('leaves the on-call alarms watching the live version, and out of every deployment group', () => {
    for (const { before, after } of pairs.filter((p) => p.fixedFunction)) {
      expect([after.errorsAlarmId, after.throttlesAlarmId]).toEqual([before.errorsAlarmId, before.throttlesAlarmId]);
      const version = resource(after, after.aliasId).Properties.FunctionVersion;
      for (const alarmId of [after.errorsAlarmId, after.throttlesAlarmId])
        expect(dimensionsOf(resource(after, alarmId)).ExecutedVersion).toEqual(version);
      const listed = Object.values(after.template.findResources('AWS::CodeDeploy::DeploymentGroup')).flatMap((g) =>
        g.Properties.AlarmConfiguration.Alarms.map((a: any) => a.Name.Ref),
      );
      expect(listed).not.toContain(after.errorsAlarmId);
      expect(listed).not.toContain(after.throttlesAlarmId);
    }
  });

  test('creates no alarm for a function whose version did not change', () => {
    for (const { before, after } of pairs.filter((p) => !p.fixedFunction)) {
      expect(alarmIdsOf(after)).toEqual(alarmIdsOf(before));
    }
  });
});

describe('function versions', () => {
  // CloudFormation deletes a version the template no longer names only in the cleanup after the whole stack update,
  // the CodeDeploy shift included, has succeeded; a failed shift rolls the stack back and deletes the new version.
  test('are not retained, as the README says: only the one the live alias points to is in the template', () => {
    for (const template of new Set(releases.map((r) => r.template))) {
      const versions = template.findResources('AWS::Lambda::Version');
      expect(Object.keys(versions)).toHaveLength(Object.keys(template.findResources('AWS::Lambda::Alias')).length);
      for (const [id, version] of Object.entries(versions)) {
        expect({ id, policies: [version.DeletionPolicy, version.UpdateReplacePolicy] }).toEqual({
          id,
          policies: [undefined, undefined],
        });
      }
    }
  });
});

describe("an environment's alarms setting", () => {
  const prod = environments[1].name;
  const changed = releasesOf(
    buildApp({
      config: (c) => (c.environments[1].alarms = { errors: 5, throttles: 2, periodMinutes: 1, evaluationPeriods: 3 }),
    }),
  );

  test('sets the thresholds and evaluation of that environment only', () => {
    const evaluations = (of: Release[], environment: string) =>
      of
        .filter((r) => r.environment === environment)
        .flatMap((r) => alarmIdsOf(r).map((id) => evaluationOf(resource(r, id))));
    expect(evaluations(changed, prod)).toEqual(
      evaluations(releases, prod).map((e) => ({
        ...e,
        threshold: e.metric === 'Errors' ? 5 : 2,
        evaluationPeriods: 3,
      })),
    );
    expect(evaluations(changed, prod).length).toBeGreaterThan(0);
    for (const e of environments.filter((env) => env.name !== prod)) {
      expect(evaluations(changed, e.name)).toEqual(evaluations(releases, e.name));
    }
  });

  test("changes nothing else: the other environment's templates, and the rest of its own, are as before", () => {
    const byStack = (of: Release[]) => new Map(of.map((r) => [`${r.environment}/${r.stackName}`, r.template.toJSON()]));
    const [before, after] = [byStack(releases), byStack(changed)];
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [key, template] of after) {
      const was = before.get(key)!;
      const changedIds = Object.keys(template.Resources).filter(
        (id) => JSON.stringify(template.Resources[id]) !== JSON.stringify(was.Resources[id]),
      );
      const alarmIds = Object.keys(template.Resources).filter(
        (id) => template.Resources[id].Type === 'AWS::CloudWatch::Alarm',
      );
      expect({ key, changedIds }).toEqual({ key, changedIds: key.startsWith(`${prod}/`) ? alarmIds : [] });
      expect({ ...template, Resources: undefined }).toEqual({ ...was, Resources: undefined });
    }
  });
});

describe('alarms that need longer to go off than the deployment lets the new version serve', () => {
  const stacks = functionStacks(
    buildApp({ config: (c) => (c.environments[1].alarms = { periodMinutes: 5, evaluationPeriods: 2 }) }),
  );

  test('warn once per function of that environment, naming the settings, the deployment and the fix', () => {
    const warnings = (environment: string) => stacks.get(environment)!.flatMap(slowAlarmWarnings);
    const prod = warnings(environments[1].name);
    expect(prod).toHaveLength(Object.keys(baseConfig().functions).length);
    for (const warning of prod) {
      expect(warning).toContain(
        'need 10 minutes (alarms.periodMinutes 5 times alarms.evaluationPeriods 2) to go off, longer than the 5 ' +
          'minutes Canary10Percent5Minutes lets the new version serve',
      );
      expect(warning).toContain('at most 5 minutes in all');
    }
    // dev releases all at once: there is no shift for any alarm to stop, and nothing to warn about.
    expect(warnings(environments[0].name)).toEqual([]);
  });
});
