#!/usr/bin/env node
/**
 * `npm run bootstrap-policy [-- --out <dir>]`
 *
 * Synthesizes the app as `cdk synth` does, with a sandbox beside it, and writes the CloudFormation execution policy
 * of each environment account (`lib/policy/execution-policy.ts`) to `<dir>/<account>.json` (default
 * `build/bootstrap`), then prints the commands that create or update the policy and bootstrap each account and region
 * with it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack, Stage } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { CDK_EXAMPLE_PERMISSIONS_BOUNDARY } from '../lib/config/environments-config';
import { CONFIG_CONTEXT_KEY } from '../lib/config/app-config';
import { DeployedStack, ExecutionPolicyError, executionPolicies, StackTemplate } from '../lib/policy/execution-policy';
import { BOOTSTRAP_QUALIFIER, functionStackName } from '../lib/config/naming';
import { boundaryPolicyName, exampleBoundaryDocument } from '../lib/policy/permissions-boundary';
import { SANDBOX_CONTEXT_KEY } from '../lib/stages/sandbox-stage';
import { createApp, createSandboxApp } from './main';
import { cdkJsonContext, PROJECT_ROOT, runTool, UsageError } from './project';

/** What this command reads of `cdk.json`'s config, which synth has validated by then. */
interface RawConfig {
  readonly appName: string;
  readonly permissionsBoundary?: string;
}

/** The name the sandbox is synthesized under; its stacks' names and parameters stand for every sandbox's. */
const ANY_SANDBOX = 'policy';

/** Options of {@link bootstrapPolicies}. */
export interface BootstrapPolicyOptions {
  /** @default PROJECT_ROOT */
  readonly projectRoot?: string;
  /** @default - the context of the project's cdk.json */
  readonly context?: Record<string, unknown>;
}

/** The stacks of every environment, and those of any sandbox, as the execution policy reads them. */
export function deployedStacks(options: BootstrapPolicyOptions = {}) {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const context = options.context ?? cdkJsonContext(projectRoot);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bootstrap-policy-'));
  try {
    const { pipelineStack } = createApp({ context, outdir: path.join(outdir, 'pipeline'), projectRoot });
    const appName = (context[CONFIG_CONTEXT_KEY] as RawConfig).appName;
    const stacks: DeployedStack[] = pipelineStack.environments.flatMap(
      ({ environment, layerStage, functionStages }) => [
        ...stacksOf(layerStage).map((stack) => ({ ...stack, template: layersWidened(stack.template, appName) })),
        ...functionStages.flatMap((stage) =>
          stacksOf(stage).map((stack) =>
            widened(stack, functionStackName(environment.name, '*'), appName, environment.name),
          ),
        ),
      ],
    );
    const { app, sandbox } = createSandboxApp({
      context: { ...context, [SANDBOX_CONTEXT_KEY]: ANY_SANDBOX },
      outdir: path.join(outdir, 'sandbox'),
      projectRoot,
    });
    app.synth();
    // One sandbox's names, widened to every sandbox's: `Sandbox-Policy-...` -> `Sandbox-*-...`, `sandbox-policy` ->
    // `sandbox-*` (its SSM parameters, layer and smoke-test role names).
    const id = sandbox.node.id;
    for (const stack of stacksOf(sandbox)) {
      const template = JSON.parse(JSON.stringify(stack.template).split(`sandbox-${ANY_SANDBOX}`).join('sandbox-*'));
      const stackName = stack.stackName.replace(`${id}-`, 'Sandbox-*-');
      stacks.push(
        stack.stackName.startsWith(`${id}-Functions-`)
          ? widened({ ...stack, template }, 'Sandbox-*-Functions-*', appName, 'sandbox-*')
          : { ...stack, stackName, template: layersWidened(template, appName) },
      );
    }
    return { stacks, pipelineAccount: pipelineStack.account };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * A function stack as every function stack of its environment: its generated role names as `<Env>-Functions-*`, its
 * named roles (the smoke-test role) as `<app>-<env>-*`. So adding a function stack needs no new policy.
 */
function widened(stack: DeployedStack, stackName: string, appName: string, environment: string): DeployedStack {
  const template = layersWidened(stack.template, appName);
  for (const resource of Object.values(template.Resources ?? {})) {
    const properties = resource.Properties ?? {};
    const name = properties.RoleName;
    if (resource.Type === 'AWS::IAM::Role' && typeof name === 'string' && name.startsWith(`${appName}-`))
      properties.RoleName = `${appName}-${environment}-*`;
  }
  return { ...stack, stackName, template };
}

/** Every layer's SSM parameters as `/<app>/<env>/layers/*`: adding a layer needs no new policy either. */
function layersWidened(template: StackTemplate, appName: string): StackTemplate {
  const layerParameter = new RegExp(`(/${appName}/[a-z0-9*-]+/layers/)[a-z0-9-]+/(arn|version)`, 'g');
  return JSON.parse(JSON.stringify(template).replace(layerParameter, '$1*')) as StackTemplate;
}

function stacksOf(stage: Stage): DeployedStack[] {
  const assembly = stage.synth();
  return stage.node
    .findAll()
    .filter(Stack.isStack)
    .map((stack) => ({
      stackName: stack.stackName,
      account: stack.account,
      region: stack.region,
      template: assembly.getStackArtifact(stack.artifactId).template,
    }));
}

/** The bootstrap command of one account and region with its policy and the configured boundary. */
export function bootstrapCommand(
  account: string,
  region: string,
  pipelineAccount: string,
  policyArn: string,
  boundary: string | undefined,
): string {
  const partition = RegionInfo.get(region).partition ?? 'aws';
  // The CLI takes a plain IAM name (it refuses `$`, `{`, `}` and `:`): the placeholders are filled in for this target.
  const name = boundary && boundaryPolicyName(boundary, { account, region, partition, qualifier: BOOTSTRAP_QUALIFIER });
  const boundaryOption =
    boundary === undefined
      ? ''
      : boundary === CDK_EXAMPLE_PERMISSIONS_BOUNDARY
        ? ' \\\n    --example-permissions-boundary'
        : ` \\\n    --custom-permissions-boundary '${name}'`;
  return (
    `npx cdk bootstrap aws://${account}/${region} --profile <profile of ${account}> \\\n` +
    `    --trust ${pipelineAccount} \\\n    --cloudformation-execution-policies ${policyArn}${boundaryOption}`
  );
}

if (require.main === module) {
  runTool(() => {
    const args = process.argv.slice(2);
    let out = path.join(PROJECT_ROOT, 'build', 'bootstrap');
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--out' && args[i + 1]) out = path.resolve(args[++i]);
      else throw new UsageError(`unknown argument ${args[i]}\nusage: npm run bootstrap-policy [-- --out <dir>]`);
    }
    const context = cdkJsonContext(PROJECT_ROOT);
    const { appName, permissionsBoundary: boundary } = context[CONFIG_CONTEXT_KEY] as RawConfig;
    const { stacks, pipelineAccount } = deployedStacks({ context });
    let policies;
    try {
      policies = executionPolicies({
        appName,
        stacks,
        permissionsBoundary: boundary,
      });
    } catch (error) {
      if (!(error instanceof ExecutionPolicyError)) throw error;
      process.stderr.write(`\n${error.message}\n\n`);
      return 1;
    }
    fs.mkdirSync(out, { recursive: true });
    for (const policy of policies) {
      const file = path.join(out, `${policy.account}.json`);
      fs.writeFileSync(file, `${JSON.stringify(policy.document, null, 2)}\n`);
      const partition = RegionInfo.get(policy.regions[0]).partition ?? 'aws';
      const arn = `arn:${partition}:iam::${policy.account}:policy/${policy.policyName}`;
      const relative = path.relative(process.cwd(), file);
      // The CLI's example boundary, which the pinned CLI fails to create itself (see exampleBoundaryDocument).
      const boundaryLines: string[] = [];
      if (boundary === CDK_EXAMPLE_PERMISSIONS_BOUNDARY) {
        const boundaryFile = path.join(out, `${policy.account}-boundary.json`);
        const document = exampleBoundaryDocument({
          account: policy.account,
          partition,
          qualifier: BOOTSTRAP_QUALIFIER,
        });
        fs.writeFileSync(boundaryFile, `${JSON.stringify(document, null, 2)}\n`);
        const name = boundaryPolicyName(boundary, {
          account: policy.account,
          region: '',
          partition,
          qualifier: BOOTSTRAP_QUALIFIER,
        });
        boundaryLines.push(
          `  first time:  aws iam create-policy --policy-name ${name} --policy-document file://${path.relative(process.cwd(), boundaryFile)} --profile <profile of ${policy.account}>`,
        );
      }
      process.stdout.write(
        [
          `Account ${policy.account} (${policy.regions.join(', ')}): ${relative}`,
          ...boundaryLines,
          `  first time:  aws iam create-policy --policy-name ${policy.policyName} --policy-document file://${relative} --profile <profile of ${policy.account}>`,
          `  afterwards:  aws iam create-policy-version --policy-arn ${arn} --policy-document file://${relative} --set-as-default --profile <profile of ${policy.account}>`,
          ...policy.regions.map((region) => bootstrapCommand(policy.account, region, pipelineAccount, arn, boundary)),
          '',
        ].join('\n') + '\n',
      );
    }
    if (!boundary) {
      process.stdout.write(
        "No config.permissionsBoundary: the policy lets CloudFormation create the stacks' roles without a boundary. " +
          `Set it to "${CDK_EXAMPLE_PERMISSIONS_BOUNDARY}" and bootstrap with --example-permissions-boundary.\n`,
      );
    }
    return 0;
  });
}
