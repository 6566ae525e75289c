/**
 * CloudFormation's default rules, which aws-cdk-lib checks every synthesized template against: `cdk synth` and the
 * pipeline's synth fail on a finding (`@aws-cdk/core:validateAgainstDefaultRules` in cdk.json). The other tests
 * skip the check to read templates faster (test/jest-environment.ts sets CDK_VALIDATION=false); here it is on.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { createApp, createSandboxApp } from '../bin/main';
import { cdkJsonContext as projectContext, PROJECT_ROOT } from '../bin/project';
import { SANDBOX_CONTEXT_KEY } from '../lib/stages/sandbox-stage';
import { allTemplates, buildApp, cdkJsonContext, FIXTURE_ROOT, tempDir } from './helpers';

const PLUGIN_NAME = 'CloudFormation Validate';

/** Runs `fn` with aws-cdk-lib's built-in validation as `cdk synth` has it: on. */
function withRulesOn<T>(fn: () => T): T {
  const saved = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
  try {
    return fn();
  } finally {
    process.env.CDK_VALIDATION = saved;
  }
}

/** The findings of CloudFormation's rules in an assembly's validation report (none: the plugin is not listed). */
function ruleFindings(assembly: CloudAssembly): unknown[] {
  const file = path.join(assembly.directory, 'validation-report.json');
  if (!fs.existsSync(file)) return [];
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  return report.pluginReports.filter((r: any) => r.pluginName === PLUGIN_NAME).flatMap((r: any) => r.violations);
}

describe("CloudFormation's default rules", () => {
  test('are on in this file: a template they reject fails synth, naming the resource', () => {
    const broken = () => {
      const app = new App({ context: cdkJsonContext(), outdir: tempDir('cfn-rules-') });
      new CfnResource(new Stack(app, 'Broken'), 'Queue', {
        type: 'AWS::SQS::Queue',
        properties: { DelaySeconds: 'soon' },
      });
      return app.synth();
    };
    expect(() => withRulesOn(broken)).toThrow(/Queue/);
    // Off, as in the other tests: the same app synthesizes.
    expect(() => broken()).not.toThrow();
  });

  test("pass for the fixture's pipeline app, every stage of it, and skipping them changes no template", () => {
    const checked = withRulesOn(() => buildApp({ outdir: tempDir('cfn-rules-') }).app.synth());
    const skipped = buildApp({ outdir: tempDir('cfn-rules-') }).app.synth();
    expect(ruleFindings(checked)).toEqual([]);
    const templates = allTemplates(checked);
    expect(templates.size).toBeGreaterThanOrEqual(7);
    expect(allTemplates(skipped)).toEqual(templates);
  });

  test("pass for the fixture's sandbox app", () => {
    const assembly = withRulesOn(() =>
      createSandboxApp({
        context: { ...cdkJsonContext(), [SANDBOX_CONTEXT_KEY]: 'alice' },
        projectRoot: FIXTURE_ROOT,
        outdir: tempDir('cfn-rules-'),
      }).app.synth(),
    );
    expect(assembly.stacks.length + assembly.nestedAssemblies.length).toBeGreaterThan(0);
    expect(ruleFindings(assembly)).toEqual([]);
  });

  test("pass for the project's own app, as cdk synth builds it", () => {
    const assembly = withRulesOn(() =>
      createApp({ context: projectContext(), projectRoot: PROJECT_ROOT, outdir: tempDir('cfn-rules-') }).app.synth(),
    );
    expect(ruleFindings(assembly)).toEqual([]);
  });
});
