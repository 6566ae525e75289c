/**
 * cdk-nag's AwsSolutions pack over the whole app: no finding left unacknowledged in any stack of any stage, every
 * acknowledgement specific and explained, and proof that the check is not false-green.
 */
import { Stack, Stage } from 'aws-cdk-lib';
import { ArtifactMetadataEntryType } from 'aws-cdk-lib/cloud-assembly-schema';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import * as fs from 'fs';
import * as path from 'path';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CDK_APP_MODE_CONTEXT } from 'aws-cdk-lib/cx-api';
import { createApp } from '../bin/main';
import { PROJECT_ROOT } from '../bin/project';
import { NAG_FIXES, NagWithFixes } from '../lib/policy/nag-fixes';
import type { Services } from '../lib/service';
import { allTemplates, asCdkSynth, buildApp, cdkJsonContext, errorOf, FIXTURE_ROOT, tempDir } from './helpers';

/** Rules whose findings name what they concern (`AwsSolutions-IAM5[Action::s3:*]`): acknowledged one finding at a time. */
const GRANULAR_RULES = ['AwsSolutions-IAM4', 'AwsSolutions-IAM5'];

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement recorded anywhere in the construct tree, stages included. */
function acknowledgementsOf(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      // aws-cdk-lib records every acknowledged id with the prefix of its annotations.
      .map(([id, reason]) => ({ path: construct.node.path, id: id.replace(/^Annotation::/, ''), reason })),
  );
}

describe('cdk-nag AwsSolutions', () => {
  const { app, pipelineStack } = buildApp();
  const acknowledgements = acknowledgementsOf(app);

  test('finds nothing unacknowledged in the pipeline stack or any stack of any stage', () => {
    const stacks = app.node.findAll().filter((c): c is Stack => c instanceof Stack);
    expect(stacks.map((s) => s.node.path)).toEqual(
      expect.arrayContaining([
        'PipelineStack',
        'PipelineStack/Dev-Layers/SharedLayers',
        'PipelineStack/Prod-Functions-Orders/Orders',
        'PipelineStack/Prod-Functions-Reports/Reports',
      ]),
    );
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('is registered once, on the app, so that `cdk synth` fails on a finding', () => {
    const { app } = asCdkSynth(() => buildApp());
    const plugins = (app as any)._validationPlugins as unknown[];
    expect(plugins.filter((p) => p instanceof NagWithFixes)).toHaveLength(1);
    for (const stage of app.node.findAll().filter((c): c is Stage => c instanceof Stage && c !== app)) {
      expect((stage as any)._validationPlugins.filter((p: unknown) => p instanceof NagWithFixes)).toHaveLength(0);
    }
  });

  test("a service module's usual findings carry their one-line fix, as cdk synth prints them", () => {
    const services: Services = {
      orders: (ctx) => {
        new sns.Topic(ctx.scope, 'Events');
        new sqs.Queue(ctx.scope, 'Work', { encryption: sqs.QueueEncryption.SQS_MANAGED });
        new dynamodb.Table(ctx.scope, 'Ledger', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
      },
    };
    const created = asCdkSynth(() =>
      createApp({
        context: { ...cdkJsonContext(), [CDK_APP_MODE_CONTEXT]: 'inmemory' },
        projectRoot: FIXTURE_ROOT,
        outdir: tempDir('nag-fixes-'),
        services,
      }),
    );
    const report = errorOf(() => created.app.synth());
    for (const rule of ['AwsSolutions-SNS3', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4', 'AwsSolutions-DDB3']) {
      expect(report).toContain(`Suggested fix: ${NAG_FIXES[rule]}`);
    }
    expect(report).toContain('Suggested fix: new sns.Topic(scope, id, { enforceSSL: true })');
  });

  test('docs/services.md lists every fix the findings carry', () => {
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'services.md'), 'utf8');
    for (const [rule, fix] of Object.entries(NAG_FIXES))
      expect(doc).toContain(`| \`${rule}\` | ${fix.replace(/\|/g, '\\|')} |`);
  });

  describe('acknowledgements', () => {
    test("exist, on the pipeline's generated roles and on the functions", () => {
      expect(acknowledgements.length).toBeGreaterThan(0);
      expect(acknowledgements.some((a) => a.path.startsWith(`${pipelineStack.node.path}/Pipeline/`))).toBe(true);
      expect(acknowledgements.some((a) => /-Functions-[A-Za-z0-9]+\//.test(a.path))).toBe(true);
    });

    test('each name one rule, and one finding of a rule whose findings name what they concern', () => {
      for (const { path, id } of acknowledgements) {
        expect({ path, id }).toEqual({ path, id: expect.stringMatching(/^AwsSolutions-[A-Z]+\d+(\[[^\]]+\])?$/) });
        const rule = id.replace(/\[.*$/, '');
        if (GRANULAR_RULES.includes(rule)) {
          expect({ path, id, specific: /\[(Action|Resource|Policy)::.+\]$/.test(id) }).toEqual({
            path,
            id,
            specific: true,
          });
        }
      }
    });

    test('each sit on a resource or policy, never on a stack, a stage or the app', () => {
      const containers = new Set(
        app.node
          .findAll()
          .filter((c) => c instanceof Stack || c instanceof Stage)
          .map((c) => c.node.path),
      );
      for (const { path, id } of acknowledgements) {
        expect({ path, id, onContainer: containers.has(path) }).toEqual({ path, id, onContainer: false });
      }
    });

    test('each give a reason of real length that names why it is safe', () => {
      for (const { path, id, reason } of acknowledgements) {
        expect({ path, id, longEnough: reason.length >= 60, sentence: /\w+ \w+ \w+ \w+ \w+/.test(reason) }).toEqual({
          path,
          id,
          longEnough: true,
          sentence: true,
        });
      }
    });
  });
});

describe('left out of the apps the other tests build, with the creation stack traces', () => {
  /** The creation stack traces recorded in an app's construct tree, stages included. */
  function creationTraces(root: IConstruct): number {
    return root.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((entry) => entry.type === ArtifactMetadataEntryType.CREATION_STACK).length;
  }

  test('are out of them, and leaving them out changes no template: they read what `cdk synth` writes', () => {
    const lean = buildApp({ outdir: tempDir('synth-lean-') });
    expect((lean.app as any)._validationPlugins).toEqual([]);
    const fullApp = asCdkSynth(() => buildApp({ outdir: tempDir('synth-full-') })).app;
    const full = fullApp.synth();
    const templates = allTemplates(full);
    expect(templates.size).toBeGreaterThanOrEqual(7);
    const leanAssembly = lean.app.synth();
    expect(allTemplates(leanAssembly)).toEqual(templates);
    expect(creationTraces(fullApp)).toBeGreaterThan(100);
    expect(creationTraces(lean.app)).toBe(0);
  });
});

describe('a deliberately non-compliant resource in a stage', () => {
  /** The app with a bucket and a policy that break AwsSolutions rules, in a function stack of the dev stage. */
  function appWithNoncompliantResources() {
    const { app, pipelineStack } = buildApp();
    const stack = pipelineStack.environments[0].functionStages[0].functionStacks[0];
    new s3.Bucket(stack, 'Noncompliant'); // no server access logs, no TLS-only policy
    new iam.Policy(stack, 'WildcardPolicy', {
      statements: [new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] })],
      roles: [stack.smokeTestAccess.role],
    });
    return { app, stack };
  }

  test('is reported by cdk-nag, with the finding ids and the construct', () => {
    const { app, stack } = appWithNoncompliantResources();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.success).toBe(false);
    const findings = report.violations.map((v) => v.ruleName).sort();
    expect(findings).toEqual([
      'AwsSolutions-IAM5[Action::s3:*]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-S1',
      'AwsSolutions-S10',
    ]);
    const paths = JSON.stringify(report.violations);
    expect(paths).toContain(`${stack.node.path}/Noncompliant`);
    expect(paths).toContain(`${stack.node.path}/WildcardPolicy`);
  });

  test('makes `cdk synth` fail, naming the finding and the construct', () => {
    // The pipeline synthesizes its stages when it is built, so they cannot change afterwards: this stage is added
    // beside them, as a stage of the app, to go through the app's synth like theirs do.
    const { app } = asCdkSynth(() => buildApp());
    const stage = new Stage(app, 'Extra', { env: { account: '222222222222', region: 'eu-west-1' } });
    new s3.Bucket(new Stack(stage, 'Stack'), 'Noncompliant');
    const message = errorOf(() => app.synth());
    expect(message).toContain('AwsSolutions-S1');
    expect(message).toContain('Extra/Stack/Noncompliant');
  });
});
