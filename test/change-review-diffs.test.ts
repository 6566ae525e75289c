/**
 * The change review on real diffs: the review step's own commands (from the synthesized pipeline), run in a shell
 * as CodeBuild runs them, with the pinned CLI diffing a changed app's cloud assembly against the fixture's
 * templates as deployed, and `tools/review_changes.py` summing each stack up. The one stand-in is where the deployed
 * templates come from: a `cdk` on the PATH runs the pinned CLI once per stack of the environment with `--template`
 * (the fixture's template of that stack) where the step reads the deployed one through the lookup role.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Template } from 'aws-cdk-lib/assertions';
import type { ServiceContext } from '../lib/service';
import { orders } from './fixtures/project/lib/services/orders';
import { buildApp, copyProject, noCredentialsEnv, TestAppOptions, tempDir } from './helpers';

const PROJECT_ROOT = path.join(__dirname, '..');
const CLI = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');
const SELECTOR = 'PipelineStack/Prod-*/*';

/** Synthesizes the fixture's app, changed as given, into a folder of its own; returns the folder. */
function synthesize(options: TestAppOptions = {}): string {
  const outdir = tempDir('review-assembly-');
  buildApp({ ...options, outdir }).app.synth();
  return outdir;
}

/** The fixture as deployed: its app's pipeline, and prod's stacks with their templates. */
const deployed = (() => {
  const outdir = tempDir('review-deployed-');
  const created = buildApp({ outdir });
  const assembly = created.app.synth();
  // In the order the pinned CLI selects them, which is the order its diff prints them in.
  const selected = execFileSync(CLI, ['ls', '-a', outdir, '--no-notices', SELECTOR], {
    encoding: 'utf8',
    env: noCredentialsEnv(outdir),
  })
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[0]);
  const stacks = selected.map((id) => ({
    path: id,
    template: assembly.stacksRecursively.find((s) => s.hierarchicalId === id)!.templateFullPath,
  }));
  return { stacks, pipeline: Template.fromStack(created.pipelineStack).toJSON() };
})();

/** The review step's build commands and the approval's comment before prod, as synthesized. */
const step = (() => {
  const [pipeline] = Object.values<any>(deployed.pipeline.Resources).filter(
    (r) => r.Type === 'AWS::CodePipeline::Pipeline',
  );
  const actions: any[] = pipeline.Properties.Stages.find((s: any) => s.Name === 'Prod-Approval').Actions;
  const review = actions.find((a) => a.Name === 'ReviewChanges');
  const approval = actions.find((a) => a.ActionTypeId.Category === 'Approval');
  const buildspec = JSON.parse(
    deployed.pipeline.Resources[review.Configuration.ProjectName.Ref].Properties.Source.BuildSpec,
  );
  return {
    commands: buildspec.phases.build.commands as string[],
    comment: approval.Configuration.CustomData as string,
  };
})();

// Stands in for the deployed stacks: the pinned CLI, once per stack of the selection, with that stack's deployed
// template; every other argument is the step's. Outputs in the stacks' order, as one multi-stack diff prints them.
const SHIM = `#!/usr/bin/env node
const { spawn } = require('child_process');
const args = process.argv.slice(2);
const stacks = JSON.parse(process.env.REVIEW_DEPLOYED);
if (!args.includes(process.env.REVIEW_SELECTOR)) { console.error('not the review: ' + args.join(' ')); process.exit(2); }
const run = (stack) => new Promise((resolve) => {
  const child = spawn(process.env.REAL_CDK, [...args.map((a) => a === process.env.REVIEW_SELECTOR ? stack.path : a), '--template', stack.template]);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.on('close', (code) => resolve({ out, code }));
});
Promise.all(stacks.map(run)).then((results) => {
  for (const r of results) process.stdout.write(r.out);
  process.exit(Math.max(...results.map((r) => r.code)));
});
`;

/** Runs the step's commands against a changed app's assembly, as CodeBuild runs them: one sh, stopping at a failure. */
function review(assembly: string, stacks = deployed.stacks) {
  const bin = tempDir('review-bin-');
  fs.writeFileSync(path.join(bin, 'cdk'), SHIM, { mode: 0o755 });
  // The source checkout with the cloud assembly in cdk.out, as the step's inputs lay them out.
  const checkout = tempDir('review-checkout-');
  fs.symlinkSync(path.join(PROJECT_ROOT, 'tools'), path.join(checkout, 'tools'));
  fs.symlinkSync(assembly, path.join(checkout, 'cdk.out'));
  const script = [...step.commands.map((c) => `${c} || exit $?`), 'echo "SUMMARY=$REVIEW_SUMMARY"'].join('\n');
  const result = spawnSync('sh', ['-c', script], {
    cwd: checkout,
    encoding: 'utf8',
    env: {
      ...noCredentialsEnv(checkout),
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      CODEBUILD_BUILD_ARN: 'arn:aws:codebuild:eu-west-1:111111111111:build/ReviewChanges-AbC123:0f1e2d3c-aaaa-bbbb',
      REAL_CDK: CLI,
      REVIEW_SELECTOR: SELECTOR,
      REVIEW_DEPLOYED: JSON.stringify(stacks),
    },
  });
  const summary = result.stdout.match(/^SUMMARY=(.*)$/m)?.[1];
  return {
    status: result.status,
    log: result.stdout + result.stderr,
    summary,
    // What the approver reads: the approval's comment with the review's summary in it.
    approval: summary && step.comment.replace(/#\{[^}]*REVIEW_SUMMARY\}/, summary),
  };
}

const ROUTINE =
  'ROUTINE: code and layer versions move; no permission is broadened, no resource is replaced or deleted.';

/** A copy of the fixture project with one line appended to a file of it. */
function projectWithChangeTo(file: string): string {
  const root = copyProject();
  fs.appendFileSync(path.join(root, file), '\n# changed\n');
  return root;
}

describe('the change review of real diffs, per stack', () => {
  test('the step is the one the pipeline runs before prod, and it uses the pinned CLI', () => {
    expect(step.commands.some((c) => c.includes(`'${SELECTOR}'`) && c.startsWith('diff_status=0; cdk diff'))).toBe(
      true,
    );
    expect(step.comment).toContain('#{Prod-Approval@ReviewChanges.REVIEW_SUMMARY}');
    expect(deployed.stacks.map((s) => s.path)).toEqual([
      'PipelineStack/Prod-Layers/SharedLayers',
      'PipelineStack/Prod-Functions-Orders/Orders',
      'PipelineStack/Prod-Functions-Reports/Reports',
      'PipelineStack/Prod-Health/Health',
    ]);
  });

  test('a code-only release is routine: a code version moved, nothing destructive', () => {
    const { status, log, summary, approval } = review(
      synthesize({ projectRoot: projectWithChangeTo('lambda/price-order/handler.py') }),
    );
    expect(status).toBe(0);
    // The CLI's own diff is in the log, with its replaced version and release alarms.
    expect(log).toContain('Stack PipelineStack/Prod-Functions-Orders/Orders (Prod-Functions-Orders)');
    expect(log).toMatch(/^\[-\] AWS::Lambda::Version \S+ destroy$/m);
    expect(log).toMatch(/^\[-\] AWS::CloudWatch::Alarm PriceOrderLiveReleaseErrors\S+ destroy$/m);
    expect(summary).toBe(
      `${ROUTINE} Prod-Functions-Orders: code versions moved (PriceOrder). ` +
        'Unchanged: Prod-Layers-SharedLayers, Prod-Functions-Reports, Prod-Health.',
    );
    expect(approval).toContain(summary);
  });

  test('a layer change is routine: a layer version published, the code versions of its functions moved', () => {
    const { status, log, summary } = review(
      synthesize({ projectRoot: projectWithChangeTo('layers/domain/python/domain/money.py') }),
    );
    expect(status).toBe(0);
    expect(log).toMatch(/^\[~\] AWS::Lambda::LayerVersion \S+ DomainVersion\w+ replace$/m);
    expect(summary).toBe(
      `${ROUTINE} Prod-Layers-SharedLayers: layer versions published (orders-prod-domain). ` +
        'Prod-Functions-Orders: code versions moved (PriceOrder). Unchanged: Prod-Functions-Reports, Prod-Health.',
    );
  });

  test('a new IAM statement broadens permissions, and says whose and on what', () => {
    const services = {
      orders: (ctx: ServiceContext) => {
        orders(ctx);
        (ctx.scope.node.findChild('Orders') as dynamodb.Table).grantReadData(ctx.function('health-check').role);
      },
    };
    const { status, summary } = review(synthesize({ services }));
    expect(status).toBe(0);
    expect(summary).toBe(
      'This release BROADENS PERMISSIONS. Prod-Functions-Orders: PERMISSIONS BROADENED: HealthCheck/Role may ' +
        'dynamodb:BatchGetItem (+7 more) on Service/Orders. Unchanged: Prod-Layers-SharedLayers, Prod-Functions-Reports, Prod-Health.',
    );
  });

  test('a replaced DynamoDB table is destructive', () => {
    const services = {
      orders: (ctx: ServiceContext) => {
        const table = new dynamodb.Table(ctx.scope, 'Orders', {
          partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, // was orderId: a new table
          billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
          encryption: dynamodb.TableEncryption.AWS_MANAGED,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          removalPolicy: ctx.removalPolicy,
        });
        table.grantReadWriteData(ctx.function('price-order').role);
        ctx.function('price-order').function.addEnvironment('ORDERS_TABLE', table.tableName);
      },
    };
    const { status, log, summary } = review(synthesize({ services }));
    expect(status).toBe(0);
    expect(log).toMatch(/^\[~\] AWS::DynamoDB::Table \S+ ServiceOrders\w+ replace$/m);
    expect(summary).toBe(
      'This release REPLACES OR DELETES STATEFUL RESOURCES (data). Prod-Functions-Orders: STATEFUL RESOURCES ' +
        'REPLACED OR DELETED: DynamoDB table Service/Orders REPLACED. ' +
        'Unchanged: Prod-Layers-SharedLayers, Prod-Functions-Reports, Prod-Health.',
    );
  });

  test('a route made public broadens permissions; the statement the CLI lists for it only narrows', () => {
    const { status, log, summary } = review(
      synthesize({ config: (c) => (c.functions['price-order'].http[1].authorization = 'none') }),
    );
    expect(status).toBe(0);
    expect(log).toContain('permissions narrowed or restated (no broadening): SmokeTest/Role may execute-api:Invoke');
    expect(summary).toBe(
      'This release BROADENS PERMISSIONS. Prod-Functions-Orders: PERMISSIONS BROADENED: public route ' +
        'GET /orders/{id} (authorization NONE). Unchanged: Prod-Layers-SharedLayers, Prod-Functions-Reports, Prod-Health.',
    );
  });

  test('fails, leaving nothing to approve, when a deployed template cannot be read', () => {
    const missing = deployed.stacks.map((s, i) => (i === 0 ? { ...s, template: '/nonexistent/template.json' } : s));
    const { status, log, summary } = review(synthesize(), missing);
    expect(log).toContain('There is no file at /nonexistent/template.json'); // the CLI's own error, in the log
    expect(status).not.toBe(0);
    expect(summary).toBeUndefined();
  });
});
