#!/usr/bin/env node
/**
 * `npm run test:deploy [-- --profile <profile of a sandbox account>] [--only <n,...>]`
 *
 * The deploy suite: runs the README's own commands with the pinned CDK CLI on a copy of this project, and checks what
 * they made through the AWS APIs (never through templates). The target is moto's server on `localhost`, started for
 * the run and patched in the open (`emulator/moto_compat.py`), or, with `--profile`, a real account, where the
 * handlers really run (a sandbox is deployed and destroyed there: its Lambda, SSM and CloudFormation costs).
 *
 * Each scenario passes, fails naming its command and the API's answer, or is reported as not run with the reason
 * (what the emulator does not execute, or what only the emulator may do: a real account's bootstrap is never
 * rewritten). Every run ends with the templates' resource types, each checked, created, or not emulated, and a
 * closing `deploy: N passed, N failed, N skipped` line.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GetPolicyCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import { loadProjectConfig, PROJECT_ROOT } from '../../bin/project';
import { CDK_EXAMPLE_PERMISSIONS_BOUNDARY } from '../../lib/config/environments-config';
import { BOOTSTRAP_QUALIFIER } from '../../lib/config/naming';
import { boundaryPolicyName } from '../../lib/policy/permissions-boundary';
import { makeWheel, offlinePipEnv } from '../wheel-maker';
import {
  functionExists,
  functionProblems,
  layerProblems,
  parametersUnder,
  readFunctions,
  readLayers,
  stackResources,
  stacksNamed,
} from './checks';
import { environmentExpectations, Expectations, sandboxExpectations } from './expectations';
import { accountTarget, EmulatorUnavailable, startEmulator, Target } from './target';

const SANDBOX = 'deploy-suite';
const USAGE = 'usage: npm run test:deploy [-- --profile <profile of a sandbox account>] [--only <n,...>]';

/** A scenario could not go on: the message names the command or the check, and the API's answer. */
class ScenarioFailure extends Error {}
/** A scenario does not run on this target; the message says why. */
class NotRun extends Error {}

interface Result {
  readonly title: string;
  readonly outcome: 'passed' | 'failed' | 'skipped';
  readonly detail: string;
  readonly checks: readonly string[];
  readonly notExercised: readonly string[];
  readonly seconds: number;
}

/** One run: the target, a copy of the project, what each scenario saw. */
class Run {
  readonly checks: string[] = [];
  /** Resource types read back through an API beyond CloudFormation's own record. */
  readonly checkedTypes = new Set<string>();
  /** Every stack's template resource types, for the closing table. */
  readonly deployedTypes = new Map<string, Set<string>>();
  readonly pipEnv: Record<string, string>;

  constructor(
    readonly target: Target,
    readonly root: string,
  ) {
    this.pipEnv = target.kind === 'emulator' ? offlinePipEnv(standInWheels(root)) : {};
  }

  /** Runs a shell command line in the copy, as a user would type it; its output, or a failure naming it. */
  sh(command: string, options: { env?: NodeJS.ProcessEnv; expectFailure?: boolean } = {}): string {
    const started = Date.now();
    const result = spawnSync('sh', ['-c', command], {
      cwd: this.root,
      env: { ...this.target.env, ...this.pipEnv, CDK_DISABLE_VERSION_CHECK: '1', ...options.env },
      encoding: 'utf8',
      timeout: 20 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(`  $ ${command.replace(/\s*\\\n\s*/g, ' ')}   (${seconds} s, exit ${result.status})\n`);
    if (!!options.expectFailure !== (result.status !== 0)) {
      throw new ScenarioFailure(
        `${options.expectFailure ? 'succeeded, though it should have failed' : `exited ${result.status ?? result.signal}`}: ` +
          `${command}\n${tail(output, 40)}`,
      );
    }
    return output;
  }

  readonly notes: string[] = [];

  /** Records what the target does not execute: said in the report, never counted as passed. */
  notExercised(what: string): void {
    this.notes.push(what);
    process.stdout.write(`  not exercised: ${what}\n`);
  }

  /** Records a check; problems fail the scenario, naming each. */
  check(what: string, problems: readonly string[]): void {
    if (problems.length > 0) throw new ScenarioFailure(`${what}:\n  - ${problems.join('\n  - ')}`);
    this.checks.push(what);
    process.stdout.write(`  ok  ${what}\n`);
  }

  noteTypes(expectations: Expectations): void {
    for (const [stack, types] of expectations.resourceTypes) this.deployedTypes.set(stack, new Set(types));
  }
}

function tail(text: string, lines: number): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** A copy of the project's working tree (not its build output), linked to its node_modules. */
function copyOfProject(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-suite-project-'));
  const skip = new Set(['node_modules', 'cdk.out', 'build', '.git', '.bench'].map((d) => path.join(PROJECT_ROOT, d)));
  fs.cpSync(PROJECT_ROOT, root, {
    recursive: true,
    filter: (src) => !skip.has(src) && !src.includes(`${path.sep}__pycache__`),
  });
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

/**
 * Stand-ins of the packages the layers pin (`name==version`), as pure-Python wheels pip takes for any platform: the
 * emulator runs no handler, and this machine reaches no Python package index. On a real account the layers are
 * built from the user's own index (pip's `PIP_*` settings), as the pipeline builds them.
 */
function standInWheels(root: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-suite-wheels-'));
  for (const layer of fs.readdirSync(path.join(root, 'layers'))) {
    const requirements = path.join(root, 'layers', layer, 'requirements.txt');
    if (!fs.existsSync(requirements)) continue;
    for (const [, name, version] of fs
      .readFileSync(requirements, 'utf8')
      .matchAll(/^([A-Za-z0-9_.-]+)==([^\s;#\\]+)/gm)) {
      const module = name.toLowerCase().replace(/[-.]/g, '_');
      makeWheel(dir, {
        name: module,
        version,
        tag: 'py3-none-any',
        files: { [`${module}/__init__.py`]: `"""A stand-in of ${name} ${version} for the deploy suite."""\n` },
      });
    }
  }
  return dir;
}

// ---------------------------------------------------------------------------------------------------------------
// The scenarios
// ---------------------------------------------------------------------------------------------------------------

/** Checks a deployed sandbox or environment through Lambda, SSM, IAM and CloudFormation. */
async function checkDeployed(run: Run, expectations: Expectations, profile: string, boundary?: string) {
  const clients = run.target.clients(profile, expectations.place.region);
  const layers = await readLayers(clients, expectations.layers);
  run.check(
    `${expectations.environment.name}: each layer published (name, runtimes, architectures, fingerprint) and named by SSM`,
    layerProblems(expectations.layers, layers, expectations.place),
  );
  const functions = await readFunctions(clients, expectations.functions);
  run.check(
    `${expectations.environment.name}: each function's live alias on a published version, its runtime, architecture ` +
      "and layers (its own account's, at the SSM version, with the fingerprint it carries)",
    functionProblems(expectations.functions, functions, expectations.layers, layers, expectations.place),
  );
  if (boundary) {
    run.check(
      `${expectations.environment.name}: each function's role is bounded by ${boundary}`,
      functions.filter((f) => !f.boundary?.endsWith(`:policy/${boundary}`)).map((f) => `${f.name}: ${f.boundary}`),
    );
    run.checkedTypes.add('AWS::IAM::Role');
  }
  const incomplete: string[] = [];
  for (const stackName of expectations.stackNames) {
    for (const r of await stackResources(clients, stackName)) {
      if (!/_COMPLETE$/.test(r.status) || /ROLLBACK|DELETE/.test(r.status) || !r.physicalId)
        incomplete.push(`${stackName} ${r.logicalId} (${r.type}): ${r.status}, physical id ${r.physicalId}`);
    }
  }
  run.check(`${expectations.environment.name}: every resource of its stacks created`, incomplete);
  for (const type of [
    'AWS::Lambda::LayerVersion',
    'AWS::SSM::Parameter',
    'AWS::Lambda::Function',
    'AWS::Lambda::Version',
    'AWS::Lambda::Alias',
  ])
    run.checkedTypes.add(type);
  run.noteTypes(expectations);
  return { layers, functions };
}

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
    const partition = 'aws';
    const deployRole = `cdk-${BOOTSTRAP_QUALIFIER}-deploy-role-${environment.account}-${environment.region}`;
    const role = await clients.iam.send(new GetRoleCommand({ RoleName: deployRole }));
    const trust = decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '');
    if (!trust.includes(config.pipeline.account))
      problems.push(`${deployRole} does not trust ${config.pipeline.account}: ${trust}`);
    if (config.permissionsBoundary) {
      const name = boundaryPolicyName(config.permissionsBoundary, {
        ...environment,
        partition,
        qualifier: BOOTSTRAP_QUALIFIER,
      });
      try {
        await clients.iam.send(
          new GetPolicyCommand({ PolicyArn: `arn:${partition}:iam::${environment.account}:policy/${name}` }),
        );
      } catch (error) {
        problems.push(
          `${environment.name}: the boundary ${name} that config.permissionsBoundary names: ${(error as Error).message}`,
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
  const config = loadProjectConfig(run.root);
  const boundary =
    config.permissionsBoundary &&
    boundaryPolicyName(config.permissionsBoundary, {
      ...expectations.place,
      qualifier: BOOTSTRAP_QUALIFIER,
    });
  const seen = await checkDeployed(run, expectations, run.target.sandboxProfile, boundary);
  state.sandbox = { expectations, ...seen };
}

async function smoke(run: Run): Promise<void> {
  run.sh(`npm run --silent smoke -- --sandbox ${SANDBOX} --profile ${run.target.sandboxProfile}`);
  run.check('npm run smoke: every function invoked, its layers the versions SSM names, of its own layers', []);
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
  for (const layer of before.expectations.layers) {
    const was = before.layers.find((l) => l.name === layer.layerName)!.versions.length;
    const is = after.layers.find((l) => l.name === layer.layerName)!.versions.length;
    const wanted = layer === changed ? was + 1 : was;
    if (is !== wanted) problems.push(`${layer.layerName}: ${is} versions after the deploy (expected ${wanted})`);
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
  run.sh(`npx cdk deploy 'PipelineStack/${stage}-*/*' --profile ${pipelineProfile} --require-approval never`);
  const boundary =
    config.permissionsBoundary &&
    boundaryPolicyName(config.permissionsBoundary, { ...expectations.place, qualifier: BOOTSTRAP_QUALIFIER });
  await checkDeployed(run, expectations, run.target.profileOf(environment.account)!, boundary);
  const sts = new STSClient({
    region: environment.region,
    endpoint: run.target.env.AWS_ENDPOINT_URL,
    credentials: fromIni({
      profile: pipelineProfile,
      filepath: run.target.env.AWS_SHARED_CREDENTIALS_FILE,
      configFilepath: run.target.env.AWS_CONFIG_FILE,
    }),
  });
  const caller = await sts.send(new GetCallerIdentityCommand({}));
  run.check(
    `deployed from the pipeline account ${config.pipeline.account} into ${environment.name} (${environment.account}) through its trusted deploy role`,
    caller.Account === config.pipeline.account ? [] : [`the pipeline profile is account ${caller.Account}`],
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

interface State {
  sandbox?: {
    expectations: Expectations;
    layers: Awaited<ReturnType<typeof readLayers>>;
    functions: Awaited<ReturnType<typeof readFunctions>>;
  };
}

const SCENARIOS: readonly [string, (run: Run, state: State) => Promise<void>][] = [
  ['bootstrap as README: First deploy does', bootstrap],
  ['npm run sandbox -- deploy', sandboxDeploy],
  ['npm run smoke -- --sandbox', smoke],
  ["a layer's code changes, then the same deploy again", layerChange],
  ['a function removed, and a stack left with none', removeFunction],
  ["a pipeline environment's stacks deployed by hand from the pipeline account", pipelineEnvironmentByHand],
  ['npm run sandbox -- destroy', destroy],
];

// ---------------------------------------------------------------------------------------------------------------

function typeTable(run: Run): { lines: string[]; unknown: string[] } {
  const types = new Map<string, string[]>();
  for (const [stack, set] of run.deployedTypes) for (const t of set) types.set(t, [...(types.get(t) ?? []), stack]);
  const emulated = run.target.types;
  const lines: string[] = [];
  const unknown: string[] = [];
  for (const type of [...types.keys()].sort()) {
    let status: string;
    if (emulated?.notEmulated[type]) status = `not emulated: ${emulated.notEmulated[type]}`;
    else if (run.checkedTypes.has(type)) status = 'checked through its API';
    else if (!emulated || emulated.modelled.includes(type))
      status = 'created (CloudFormation reports it, with a physical id)';
    else {
      status = 'UNKNOWN to the emulator and not listed as not emulated';
      unknown.push(type);
    }
    lines.push(`  ${type.padEnd(40)} ${status}`);
  }
  return { lines, unknown };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let profile: string | undefined;
  let only: Set<number> | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--profile' && args[i + 1]) profile = args[++i];
    else if (args[i] === '--only' && args[i + 1]) only = new Set(args[++i].split(',').map(Number));
    else {
      process.stderr.write(`unknown argument ${args[i]}\n${USAGE}\n`);
      return 2;
    }
  }
  const started = Date.now();
  const root = copyOfProject();
  const config = loadProjectConfig(root);
  const sandboxAccount = (config.sandbox ?? config.environments[0]).account;
  let target: Target;
  try {
    if (profile) {
      const identity = await new STSClient({ credentials: fromIni({ profile }) }).send(
        new GetCallerIdentityCommand({}),
      );
      if (identity.Account !== sandboxAccount)
        throw new EmulatorUnavailable(
          `--profile ${profile} is account ${identity.Account}, but the sandbox deploys to ${sandboxAccount} ` +
            '(config.sandbox, or the first environment): use a profile of that account',
        );
      target = accountTarget(profile, sandboxAccount);
    } else {
      target = await startEmulator(sandboxAccount, [
        config.pipeline.account,
        ...config.environments.map((e) => e.account),
      ]);
    }
  } catch (error) {
    if (!(error instanceof EmulatorUnavailable)) throw error;
    process.stderr.write(`\n${error.message}\n\ndeploy: 0 passed, 1 failed\n`);
    return 1;
  }
  process.stdout.write(`deploy suite: ${target.description}; a copy of the project in ${root}\n`);
  if (config.permissionsBoundary === CDK_EXAMPLE_PERMISSIONS_BOUNDARY && target.kind === 'emulator')
    process.stdout.write('  (the emulator refuses a role whose boundary does not exist, as IAM does)\n');
  const run = new Run(target, root);
  const state: State = {};
  const results: Result[] = [];
  try {
    for (const [i, [title, scenario]] of SCENARIOS.entries()) {
      if (only && !only.has(i + 1)) continue;
      process.stdout.write(`\n${i + 1}. ${title}\n`);
      const t0 = Date.now();
      const checksBefore = run.checks.length;
      const notesBefore = run.notes.length;
      let outcome: Result['outcome'] = 'passed';
      let detail = '';
      try {
        await scenario(run, state);
      } catch (error) {
        if (error instanceof NotRun) {
          outcome = 'skipped';
          detail = error.message;
        } else {
          outcome = 'failed';
          detail =
            error instanceof ScenarioFailure ? error.message : `${(error as Error).name}: ${(error as Error).message}`;
        }
        process.stdout.write(`  ${outcome === 'failed' ? 'FAILED' : 'not run'}: ${detail}\n`);
      }
      results.push({
        title,
        outcome,
        detail,
        checks: run.checks.slice(checksBefore),
        notExercised: run.notes.slice(notesBefore),
        seconds: (Date.now() - t0) / 1000,
      });
      if (outcome === 'failed' && i < 3) break; // later scenarios build on the sandbox
    }
  } finally {
    await target.stop();
  }
  const { lines, unknown } = typeTable(run);
  process.stdout.write(`\nResource types of the deployed templates (${target.description}):\n${lines.join('\n')}\n`);
  if (unknown.length > 0) {
    results.push({
      title: 'resource types',
      outcome: 'failed',
      detail: `the emulator skips ${unknown.join(', ')}: list each in NOT_EMULATED of test/deploy/emulator/moto_compat.py with the reason, or patch it`,
      checks: [],
      notExercised: [],
      seconds: 0,
    });
    process.stdout.write(`FAILED: ${results.at(-1)!.detail}\n`);
  }
  process.stdout.write('\nScenarios:\n');
  for (const r of results) {
    process.stdout.write(
      `  ${r.outcome.padEnd(8)} ${r.title} (${r.seconds.toFixed(0)} s, ${r.checks.length} checks)\n`,
    );
    if (r.outcome === 'skipped') process.stdout.write(`           not run: ${r.detail}\n`);
    for (const n of r.notExercised) process.stdout.write(`           not exercised: ${n}\n`);
  }
  const count = (o: Result['outcome']) => results.filter((r) => r.outcome === o).length;
  process.stdout.write(`\nwhole suite: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  process.stdout.write(`deploy: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped\n`);
  if (count('failed') === 0) fs.rmSync(root, { recursive: true, force: true });
  else process.stdout.write(`(the project copy is kept for a look: ${root})\n`);
  return count('failed') > 0 ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exitCode = 1;
    },
  );
}
