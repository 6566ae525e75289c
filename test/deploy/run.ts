/**
 * One run of the deploy suite: its target, its copy of the project, the commands it runs and the checks it makes, and
 * what the scenarios share (the checks of a deployed sandbox or environment).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadProjectConfig, PROJECT_ROOT } from '../../bin/project';
import { BOOTSTRAP_QUALIFIER } from '../../lib/config/naming';
import { boundaryPolicyName } from '../../lib/policy/permissions-boundary';
import { makeWheel, offlinePipEnv } from '../wheel-maker';
import { functionProblems, layerProblems, Place, readFunctions, readLayers, stackResources } from './checks';
import type { Expectations } from './expectations';
import type { Target } from './target';

/** The name of the suite's sandbox. */
export const SANDBOX = 'deploy-suite';

/** A scenario could not go on: the message names the command or the check, and the API's answer. */
export class ScenarioFailure extends Error {}
/** A scenario does not run on this target; the message says why. */
export class NotRun extends Error {}

export interface Result {
  readonly title: string;
  readonly outcome: 'passed' | 'failed' | 'skipped';
  readonly detail: string;
  readonly checks: readonly string[];
  readonly notExercised: readonly string[];
  readonly seconds: number;
}

/** One run: the target, a copy of the project, what each scenario saw. */
export class Run {
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
  sh(
    command: string,
    options: { env?: NodeJS.ProcessEnv; expectFailure?: boolean; allowFailure?: boolean } = {},
  ): string {
    const started = Date.now();
    const result = spawnSync('sh', ['-c', command], {
      cwd: this.root,
      env: { ...this.target.env, ...this.pipEnv, CDK_DISABLE_VERSION_CHECK: '1', ...options.env },
      encoding: 'utf8',
      timeout: 8 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(`  $ ${command.replace(/\s*\\\n\s*/g, ' ')}   (${seconds} s, exit ${result.status})\n`);
    if (!options.allowFailure && !!options.expectFailure !== (result.status !== 0)) {
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

export function tail(text: string, lines: number): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** A copy of the project's working tree (not its build output), linked to its node_modules. */
export function copyOfProject(): string {
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
/** The ARN of the permissions boundary the project's configuration names in one account and region, if it names one. */
export function boundaryArnAt(root: string, place: Place): string | undefined {
  const boundary = loadProjectConfig(root).permissionsBoundary;
  if (!boundary) return undefined;
  const name = boundaryPolicyName(boundary, { ...place, qualifier: BOOTSTRAP_QUALIFIER });
  return `arn:${place.partition}:iam::${place.account}:policy/${name}`;
}

export async function checkDeployed(run: Run, expectations: Expectations, profile: string) {
  const boundary = boundaryArnAt(run.root, expectations.place);
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
      functions.filter((f) => f.boundary !== boundary).map((f) => `${f.name}: ${f.boundary}`),
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
