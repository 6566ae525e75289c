/** The deploy suite's scenarios, in the order they run: each runs the README's commands, then checks the result. */
import * as fs from 'fs';
import * as path from 'path';
import { GetPolicyCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { loadProjectConfig } from '../../bin/project';
import { BOOTSTRAP_QUALIFIER, functionStackName, pascalCase } from '../../lib/config/naming';
import { functionExists, parametersUnder, readFunctions, readLayers, stacksNamed } from './checks';
import { environmentExpectations, Expectations, sandboxExpectations } from './expectations';
import { pipelineAssets } from './pipeline-assets';
import { layerLifecycle } from './lifecycle-scenario';
import { boundaryArnAt, checkDeployed, NotRun, Run, SANDBOX, ScenarioFailure, tail } from './run';

async function bootstrap(run: Run): Promise<void> {
  if (run.target.kind !== 'emulator')
    throw new NotRun("emulator only: the suite never rewrites a real account's bootstrap (README: First deploy)");
  const config = loadProjectConfig(run.root);
  const profileOf = (account: string) => run.target.profileOf(account) ?? `<no profile of ${account}>`;
  const printed = run.sh('npm run --silent bootstrap-policy');
  run.sh(
    `npx cdk bootstrap aws://${config.pipeline.account}/${config.pipeline.region} --profile ${profileOf(config.pipeline.account)}`,
  );
  const commands = printed
    .split(/\n(?! {4})/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('first time:') || line.startsWith('npx cdk bootstrap'))
    .map((line) =>
      line.replace(/^first time:\s*/, '').replace(/<profile of (\d{12})>/g, (_, a: string) => profileOf(a)),
    );
  if (!commands.some((c) => c.startsWith('npx cdk bootstrap')))
    throw new ScenarioFailure(`npm run bootstrap-policy printed no bootstrap command:\n${tail(printed, 20)}`);
  for (const command of commands) run.sh(command);

  const problems: string[] = [];
  for (const environment of config.environments) {
    const clients = run.target.clients(profileOf(environment.account), environment.region);
    const deployRole = `cdk-${BOOTSTRAP_QUALIFIER}-deploy-role-${environment.account}-${environment.region}`;
    const role = await clients.iam.send(new GetRoleCommand({ RoleName: deployRole }));
    const trust = decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '');
    if (!trust.includes(config.pipeline.account))
      problems.push(`${deployRole} does not trust ${config.pipeline.account}: ${trust}`);
    const boundary = boundaryArnAt(run.root, {
      ...environment,
      partition: RegionInfo.get(environment.region).partition ?? 'aws',
    });
    if (boundary) {
      try {
        await clients.iam.send(new GetPolicyCommand({ PolicyArn: boundary }));
      } catch (error) {
        problems.push(
          `${environment.name}: the boundary ${boundary} that config.permissionsBoundary names: ${(error as Error).message}`,
        );
      }
    }
  }
  run.check(
    'every environment account bootstrapped as README says: trusts the pipeline account, has the boundary',
    problems,
  );
  const profiles = [
    `--profile pipeline=${profileOf(config.pipeline.account)}`,
    ...config.environments.map((e) => `--profile ${e.name}=${profileOf(e.account)}`),
  ].join(' ');
  const doctor = run.sh(`npm run --silent doctor -- --aws ${profiles}`, { expectFailure: true });
  const wanted = [/^ok +\S+ bootstrap/, /^ok +\S+ trusts the pipeline account/, /^ok +\S+ permissions boundary/];
  const doctorLines = doctor.split('\n');
  run.check('npm run doctor -- --aws: bootstrap, trust and boundary ok in every environment account', [
    ...wanted.filter((w) => !doctorLines.some((l) => w.test(l))).map((w) => `no line matching ${w}`),
    ...doctorLines.filter((l) => /^FAIL +\S+ (bootstrap|trusts|permissions boundary)/.test(l)).map((l) => l.trim()),
  ]);
}

async function sandboxDeploy(run: Run, state: State): Promise<void> {
  run.sh('npm run --silent build:layers');
  run.sh(
    `npm run --silent sandbox -- deploy --name ${SANDBOX} --profile ${run.target.sandboxProfile} -- --require-approval never`,
  );
  const expectations = sandboxExpectations(run.root, SANDBOX);
  const seen = await checkDeployed(run, expectations, run.target.sandboxProfile);
  state.sandbox = { expectations, ...seen };
}

async function smoke(run: Run): Promise<void> {
  const command = `npm run --silent smoke -- --sandbox ${SANDBOX} --profile ${run.target.sandboxProfile}`;
  const apiEmulated = !run.target.types?.notEmulated['AWS::ApiGatewayV2::Api'];
  const output = run.sh(command, { allowFailure: !apiEmulated });
  // Where the emulator creates no HTTP API, the smoke test's calls of its routes cannot be answered: those problems,
  // and only those, are the emulator's; any other fails the scenario.
  const problems = output.split('\n').filter((l) => l.startsWith('  - '));
  const routeProblems = problems.filter((l) => /^ {2}- route [A-Z]+ \S+ of function /.test(l));
  run.check(
    'npm run smoke: every function invoked on live, its layers the versions SSM names, of its own layers, with its fingerprint',
    problems.filter((l) => !routeProblems.includes(l)).map((l) => l.slice(4)),
  );
  if (!apiEmulated && routeProblems.length > 0)
    run.notExercised(
      `the smoke test's ${routeProblems.length} HTTP route call(s): the emulator creates no HTTP API (API Gateway v2)`,
    );
  if (run.target.kind === 'emulator')
    run.notExercised(
      "the handlers: moto's Lambda without Docker answers an invocation without running the handler, so whether " +
        "a function imports its layers on Lambda's runtime is settled only with -- --profile <sandbox account>",
    );
}

async function layerChange(run: Run, state: State): Promise<void> {
  const before = state.sandbox!;
  const changed = before.expectations.layers.find((l) =>
    fs.existsSync(path.join(run.root, 'layers', l.name, 'python')),
  );
  if (!changed) throw new ScenarioFailure('no layer has a python/ folder to change');
  const file = path.join(run.root, 'layers', changed.name, 'python', 'deploy_suite_marker.py');
  fs.writeFileSync(file, `"""Written by the deploy suite: a change of the ${changed.name} layer's code."""\n`);
  run.sh(`npm run --silent build:layers -- ${changed.name}`);
  run.sh(
    `npm run --silent sandbox -- deploy --name ${SANDBOX} --profile ${run.target.sandboxProfile} -- --require-approval never`,
  );
  const after = await checkDeployed(run, before.expectations, run.target.sandboxProfile);
  const problems: string[] = [];
  const newest = (seen: State['sandbox'] & object, layerName: string) =>
    Math.max(0, ...seen.layers.find((l) => l.name === layerName)!.versions.map((v) => v.version));
  for (const layer of before.expectations.layers) {
    const was = newest(before, layer.layerName);
    const is = newest({ ...before, ...after }, layer.layerName);
    const wanted = layer === changed ? was + 1 : was;
    if (is !== wanted) problems.push(`${layer.layerName}: newest version ${is} after the deploy (expected ${wanted})`);
  }
  for (const fn of before.expectations.functions) {
    const uses = fn.layers.some((l) => l.name === changed.name);
    const was = before.functions.find((f) => f.name === fn.name)?.aliasVersion;
    const is = after.functions.find((f) => f.name === fn.name)?.aliasVersion;
    if (uses && is === was) problems.push(`${fn.name} uses ${changed.name}, but live stayed on version ${is}`);
    if (!uses && is !== was)
      problems.push(`${fn.name} does not use ${changed.name}, but live moved from ${was} to ${is}`);
  }
  run.check(
    `a change of ${changed.name}: one new layer version, every function using it on a new version, the others untouched`,
    problems,
  );

  const unchanged = run.sh(
    `npm run --silent sandbox -- deploy --name ${SANDBOX} --profile ${run.target.sandboxProfile} -- --require-approval never`,
  );
  const again = await checkDeployed(run, before.expectations, run.target.sandboxProfile);
  const churn: string[] = [];
  for (const layer of after.layers) {
    const n = again.layers.find((l) => l.name === layer.name)!.versions.length;
    if (n !== layer.versions.length) churn.push(`${layer.name}: ${n} versions (was ${layer.versions.length})`);
  }
  for (const fn of after.functions) {
    const v = again.functions.find((f) => f.name === fn.name)?.aliasVersion;
    if (v !== fn.aliasVersion) churn.push(`${fn.name}: live moved from ${fn.aliasVersion} to ${v}`);
  }
  const stacks = before.expectations.stackNames.filter(
    (s) => !unchanged.includes(`${s} (no changes)`) && !new RegExp(`${s}.*no changes`).test(unchanged),
  );
  if (stacks.length > 0) churn.push(`the CLI did not report "no changes" for ${stacks.join(', ')}`);
  run.check('the same deploy again: no new layer or function version, no stack changed', churn);
  state.sandbox = { expectations: before.expectations, ...again };
}

async function removeFunction(run: Run, state: State): Promise<void> {
  const before = state.sandbox!;
  const config = loadProjectConfig(run.root);
  // One function of a stack that keeps others (deleted by its stack's update), and every function of one stack (its
  // stack stays, and doctor names it).
  const byStack = new Map<string, string[]>();
  for (const fn of config.functions) byStack.set(fn.stack, [...(byStack.get(fn.stack) ?? []), fn.name]);
  const shared = [...byStack.values()].find((names) => names.length > 1);
  const whole = [...byStack.entries()].find(([, names]) => names.length === 1 && byStack.size > 1);
  if (!shared || !whole) throw new NotRun('the configuration has no stack with two functions beside another stack');
  const removed = [shared[shared.length - 1], whole[1][0]];
  const cdkJson = path.join(run.root, 'cdk.json');
  const json = JSON.parse(fs.readFileSync(cdkJson, 'utf8'));
  for (const name of removed) {
    delete json.context.config.functions[name];
    fs.rmSync(path.join(run.root, 'lambda', name), { recursive: true, force: true });
  }
  fs.writeFileSync(cdkJson, `${JSON.stringify(json, null, 2)}\n`);
  run.sh(
    `npm run --silent sandbox -- deploy --name ${SANDBOX} --profile ${run.target.sandboxProfile} -- --require-approval never`,
  );
  const clients = run.target.clients(run.target.sandboxProfile, before.expectations.place.region);
  const gone = before.functions.find((f) => f.name === removed[0])!;
  run.check(
    `${removed[0]} removed from its stack: its function is deleted`,
    (await functionExists(clients, gone.physicalName)) ? [`${gone.physicalName} still exists`] : [],
  );
  const orphan = before.expectations.functions.find((f) => f.name === removed[1])!.stackName;
  // doctor looks in the environments' accounts: the sandbox's is one of them unless config.sandbox names another.
  const environmentProfiles = config.environments
    .filter((e) => run.target.profileOf(e.account))
    .map((e) => `--profile ${e.name}=${run.target.profileOf(e.account)}`);
  if (environmentProfiles.length === 0)
    throw new NotRun("doctor checks the environments' accounts, and no profile reaches one");
  const doctor = run.sh(`npm run --silent doctor -- --aws ${environmentProfiles.join(' ')}`, { expectFailure: true });
  run.check(
    `npm run doctor -- --aws names ${orphan}, whose last function was removed, with its delete-stack command`,
    doctor.includes(`${orphan} (`) && doctor.includes(`delete-stack --stack-name ${orphan}`)
      ? []
      : [`doctor did not name ${orphan}:\n${tail(doctor, 30)}`],
  );
  run.sh(
    `aws cloudformation delete-stack --stack-name ${orphan} --region ${before.expectations.place.region} --profile ${run.target.sandboxProfile}`,
  );
  run.sh(
    `aws cloudformation wait stack-delete-complete --stack-name ${orphan} --region ${before.expectations.place.region} --profile ${run.target.sandboxProfile}`,
  );
  state.sandbox = { ...before, expectations: sandboxExpectations(run.root, SANDBOX) };
}

async function pipelineEnvironmentByHand(run: Run): Promise<void> {
  if (run.target.kind !== 'emulator')
    throw new NotRun('emulator only: it deploys a pipeline environment by hand, which README keeps for emergencies');
  const config = loadProjectConfig(run.root);
  const environment = config.environments.find((e) => e.account !== config.pipeline.account);
  if (!environment) throw new NotRun('no environment in another account than the pipeline');
  const pipelineProfile = run.target.profileOf(config.pipeline.account)!;
  const stage = environment.name[0].toUpperCase() + environment.name.slice(1);
  const expectations = environmentExpectations(run.root, environment.name);
  // The layer stage first: the function stacks read its parameters, and the CLI keeps no order between stages.
  run.sh(`npx cdk deploy 'PipelineStack/${stage}-Layers/*' --profile ${pipelineProfile} --require-approval never`);
  run.sh(`npx cdk deploy 'PipelineStack/${stage}-Functions-*/*' --profile ${pipelineProfile} --require-approval never`);
  await checkDeployed(run, expectations, run.target.profileOf(environment.account)!);
  const caller = await run.target
    .clients(pipelineProfile, environment.region)
    .sts.send(new GetCallerIdentityCommand({}));
  run.check(
    `deployed from the pipeline account ${config.pipeline.account} into ${environment.name} (${environment.account}) through its trusted deploy role`,
    caller.Account === config.pipeline.account ? [] : [`the pipeline profile is account ${caller.Account}`],
  );
}

/** The build commands of the pipeline's ReviewChanges step before an environment, as synthesized into its buildspec. */
function reviewCommands(root: string, stage: string): string[] {
  const template = JSON.parse(fs.readFileSync(path.join(root, 'cdk.out', 'PipelineStack.template.json'), 'utf8'));
  for (const resource of Object.values<any>(template.Resources)) {
    const buildSpec = resource.Type === 'AWS::CodeBuild::Project' && resource.Properties.Source?.BuildSpec;
    if (typeof buildSpec !== 'string' || !buildSpec.includes(`'PipelineStack/${stage}-*/*'`)) continue;
    return JSON.parse(buildSpec).phases.build.commands;
  }
  throw new ScenarioFailure(`the synthesized PipelineStack has no ReviewChanges step for ${stage}`);
}

async function reviewBeforeApproval(run: Run): Promise<void> {
  if (run.target.kind !== 'emulator')
    throw new NotRun('emulator only: it reads a pipeline environment through the pipeline account');
  const config = loadProjectConfig(run.root);
  const environment = config.environments.find((e) => e.requiresApproval && e.account !== config.pipeline.account);
  if (!environment) throw new NotRun('no environment in another account requires an approval');
  const stage = pascalCase(environment.name);
  run.sh('npx cdk synth --quiet');
  // As CodeBuild runs a phase: one shell, stopping at the first failing command, from the source checkout with the
  // cloud assembly in cdk.out (the step's inputs), with the pinned CLI the step installs.
  const script = ['set -e', ...reviewCommands(run.root, stage)].join('\n');
  const env = {
    CODEBUILD_BUILD_ARN: `arn:aws:codebuild:${config.pipeline.region}:${config.pipeline.account}:build/ReviewChanges:1`,
  };
  const pipelineProfile = run.target.profileOf(config.pipeline.account)!;
  const reviewed = run.sh(`sh -c '${script.replace(/'/g, `'\\''`)}'`, {
    env: { ...env, AWS_PROFILE: pipelineProfile },
  });
  // Nothing of this environment is deployed yet: every resource of every stack is new, its roles and policies too.
  const stacks = [
    `${stage}-Layers-SharedLayers`,
    ...[...new Set(config.functions.map((f) => f.stack))].map((s) => functionStackName(environment.name, s)),
  ];
  const summary = /^Summary for the approval:\n(.*)$/m.exec(reviewed)?.[1];
  run.check(
    `the review before ${environment.name}'s approval reads its stacks through the lookup role the pipeline account is trusted with, and sums each up: a first deploy broadens permissions (new roles) and replaces or deletes nothing`,
    [
      ...(summary === undefined ? [`no summary:\n${tail(reviewed, 10)}`] : []),
      ...(summary !== undefined && !summary.startsWith('This release BROADENS PERMISSIONS.')
        ? [`the summary is not that of a first deploy: ${summary}`]
        : []),
      ...(summary?.includes('REPLACES OR DELETES') ? [`it replaces or deletes something: ${summary}`] : []),
      // Refused the lookup role, the CLI reads through the deploy role instead, and says so.
      ...(/Could not assume role in target account/.test(reviewed)
        ? [`not through the lookup role:\n${tail(reviewed, 10)}`]
        : []),
      ...stacks.filter((name) => !new RegExp(`^${name}$`, 'm').test(reviewed)).map((name) => `no review of ${name}`),
    ],
  );
  const untrusted =
    config.environments.find((e) => e.account !== environment.account)?.account ?? config.pipeline.account;
  const refused = run.sh(`sh -c '${script.replace(/'/g, `'\\''`)}'`, {
    env: { ...env, AWS_PROFILE: run.target.profileOf(untrusted)! },
    expectFailure: true,
  });
  run.check(
    `the review fails, leaving nothing to approve, when ${environment.name}'s stacks cannot be read (credentials of ${untrusted}, which ${environment.account} does not trust)`,
    /Summary for the approval/.test(refused) ? [`it summed up anyway:\n${tail(refused, 10)}`] : [],
  );
}

async function destroy(run: Run, state: State): Promise<void> {
  const expectations = state.sandbox?.expectations ?? sandboxExpectations(run.root, SANDBOX);
  run.sh(`npm run --silent sandbox -- destroy --name ${SANDBOX} --profile ${run.target.sandboxProfile}`);
  const clients = run.target.clients(run.target.sandboxProfile, expectations.place.region);
  const left: string[] = [];
  const stage = `Sandbox-${SANDBOX.split('-')
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('')}-`;
  left.push(...(await stacksNamed(clients, stage)).map((s) => `stack ${s}`));
  left.push(
    ...(await parametersUnder(clients, `/${loadProjectConfig(run.root).appName}/sandbox-${SANDBOX}/`)).map(
      (p) => `parameter ${p}`,
    ),
  );
  for (const layer of await readLayers(clients, expectations.layers))
    left.push(...layer.versions.map((v) => `layer version ${v.arn}`));
  for (const fn of state.sandbox?.functions ?? [])
    if (await functionExists(clients, fn.physicalName)) left.push(`function ${fn.physicalName}`);
  run.check('npm run sandbox -- destroy: no stack, parameter, layer version or function of the sandbox is left', left);
}

type Scenario = (run: Run, state: State) => Promise<void>;

/** The scenarios the others build on: when one fails, the run stops there. */
export const FOUNDATIONS: ReadonlySet<Scenario> = new Set([bootstrap, sandboxDeploy, smoke]);

/** What the scenarios hand on: the sandbox as last deployed and read back. */
export interface State {
  sandbox?: {
    expectations: Expectations;
    layers: Awaited<ReturnType<typeof readLayers>>;
    functions: Awaited<ReturnType<typeof readFunctions>>;
  };
}

export const SCENARIOS: readonly [string, Scenario][] = [
  ['bootstrap as README: First deploy does', bootstrap],
  // Before any deploy has put an asset into a bootstrap bucket: what arrives there is the asset step's.
  ["the pipeline's asset publishing, as synthesized into its buildspec", pipelineAssets],
  ['npm run sandbox -- deploy', sandboxDeploy],
  ['npm run smoke -- --sandbox', smoke],
  ["a layer's code changes, then the same deploy again", layerChange],
  ['a function removed, and a stack left with none', removeFunction],
  ["a pipeline environment's stacks deployed by hand from the pipeline account", pipelineEnvironmentByHand],
  ["README's layer lifecycle in that environment: ls, prune's dry run, prune --apply", layerLifecycle],
  ['the review before an approval, with and without the trust it needs', reviewBeforeApproval],
  ['npm run sandbox -- destroy', destroy],
];
