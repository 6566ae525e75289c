#!/usr/bin/env node
/**
 * `npm run sandbox -- <deploy|destroy|diff|ls|synth> [--name <name>] [--profile <profile>] [-- <cdk options>]`
 *
 * A personal sandbox straight from a laptop, without the pipeline: the layer stack and every function stack of the
 * project, named after the sandbox (`Sandbox-<Name>-...`, SSM parameters under `/<app>/sandbox-<name>/...`), in
 * the configured sandbox account (the first environment's by default). The name defaults to the user's name, made a
 * valid sandbox name.
 *
 * `deploy`, `destroy` and `diff` synthesize the sandbox's app (`-c sandbox=<name>`) into `build/sandbox/<name>`, check
 * that its stage holds stacks, then run the project's own CDK CLI on exactly those stacks, selected by the stage's
 * path (`'Sandbox-<Name>/*'`, on that assembly). `--all` would not do: the pinned CLI's `--all` selects only the stacks
 * at the top of the assembly, and a stage's stacks are in a nested one, so it deployed, diffed and destroyed nothing
 * and still exited 0.
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { SANDBOX_CONTEXT_KEY, sandboxStageIdOf } from '../lib/stages/sandbox-stage';
import { PROJECT_ROOT, runTool, ToolError, UsageError } from './project';

const USAGE =
  'usage: npm run sandbox -- <deploy|destroy|diff|ls|synth> [--name <name>] [--profile <profile>] [-- <cdk options>]';
const VERBS = ['deploy', 'destroy', 'diff', 'ls', 'synth'] as const;
type Verb = (typeof VERBS)[number];

/** What the command line asks for. */
export interface SandboxCommand {
  readonly verb: Verb;
  readonly name: string;
  readonly profile?: string;
  /** Options passed on to the CDK CLI as they are. */
  readonly extra: readonly string[];
}

/** The sandbox name a user name makes: lower case, anything else than letters and digits a hyphen, a letter first. */
export function defaultSandboxName(userName: string): string {
  const name = userName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 20)
    .replace(/-+$/, '');
  if (!name) {
    throw new UsageError(`cannot make a sandbox name of the user name "${userName}": pass --name <name>\n${USAGE}`);
  }
  return name;
}

export function parseSandboxArgs(args: readonly string[], userName: string): SandboxCommand {
  const [verb, ...rest] = args;
  if (!VERBS.includes(verb as Verb)) {
    throw new UsageError(
      `${verb === undefined ? 'no command' : `unknown command "${verb}"`}: use one of ${VERBS.join(', ')}\n${USAGE}`,
    );
  }
  let name: string | undefined;
  let profile: string | undefined;
  const extra: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--') {
      extra.push(...rest.slice(i + 1));
      break;
    } else if (arg === '--name' || arg === '--profile') {
      const value = rest[++i];
      if (!value || value.startsWith('-')) throw new UsageError(`${arg} wants a value\n${USAGE}`);
      if (arg === '--name') name = value;
      else profile = value;
    } else throw new UsageError(`unknown option ${arg}\n${USAGE}`);
  }
  return { verb: verb as Verb, name: name ?? defaultSandboxName(userName), profile, extra };
}

/** Where `deploy`, `destroy` and `diff` synthesize the sandbox `name`, under the project's git-ignored `build/`. */
export function sandboxAssemblyDir(projectRoot: string, name: string): string {
  return path.join(projectRoot, 'build', 'sandbox', name);
}

/** The CLI's selector of every stack of the sandbox: its stage's path (`Sandbox-Alice/*`). */
export function sandboxSelector(name: string): string {
  return `${sandboxStageIdOf(name)}/*`;
}

/** The CDK CLI calls a sandbox command makes, in order. */
export function cdkCalls(command: SandboxCommand, projectRoot: string = PROJECT_ROOT): string[][] {
  const context = ['-c', `${SANDBOX_CONTEXT_KEY}=${command.name}`];
  const profile = command.profile ? ['--profile', command.profile] : [];
  if (command.verb === 'ls' || command.verb === 'synth') {
    return [[command.verb, ...context, ...profile, ...command.extra]];
  }
  const assembly = sandboxAssemblyDir(projectRoot, command.name);
  return [
    ['synth', '--quiet', ...context, '--output', assembly],
    [
      command.verb,
      sandboxSelector(command.name),
      '--app',
      assembly,
      ...(command.verb === 'destroy' ? ['--force'] : []),
      ...profile,
      ...command.extra,
    ],
  ];
}

/** A stack of the sandbox, as the synthesized assembly has it. */
export interface SandboxStack {
  /** The CLI's path of the stack (`Sandbox-Alice/Orders`). */
  readonly path: string;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
}

/**
 * The stacks of the sandbox `name` in the assembly at `assemblyDir`: those its selector picks.
 * @throws ToolError when the assembly holds no stage of that sandbox, or the stage no stack (nothing to act on).
 */
export function sandboxStacks(assemblyDir: string, name: string): SandboxStack[] {
  const stageId = sandboxStageIdOf(name);
  const root = new CloudAssembly(assemblyDir);
  const nested = root.nestedAssemblies.find((a) => a.displayName === stageId);
  const stacks = nested ? nested.nestedAssembly.stacks : [];
  if (stacks.length === 0) {
    throw new ToolError(
      `sandbox ${name}: the app synthesized into ${path.relative(PROJECT_ROOT, assemblyDir) || assemblyDir} has no ` +
        `stack in the stage ${stageId}, so "${sandboxSelector(name)}" would select nothing. Check that ` +
        `config.functions in cdk.json names at least one function, and that "npx cdk ls -c ${SANDBOX_CONTEXT_KEY}=${name}" ` +
        `lists ${stageId}/... stacks.`,
    );
  }
  return stacks.map((s) => ({
    path: s.hierarchicalId,
    stackName: s.stackName,
    account: s.environment.account,
    region: s.environment.region,
  }));
}

function runCdk(args: readonly string[], projectRoot: string): number {
  const result = spawnSync(path.join(projectRoot, 'node_modules', '.bin', 'cdk'), args, {
    cwd: projectRoot,
    stdio: 'inherit',
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** Runs a sandbox command in the project at `projectRoot`; its exit code. */
export function runSandbox(command: SandboxCommand, projectRoot: string = PROJECT_ROOT): number {
  const calls = cdkCalls(command, projectRoot);
  for (const [i, args] of calls.entries()) {
    const last = i === calls.length - 1;
    if (last && calls.length > 1) {
      const stacks = sandboxStacks(sandboxAssemblyDir(projectRoot, command.name), command.name);
      const { account, region } = stacks[0];
      process.stderr.write(
        `sandbox ${command.name}: ${command.verb} ${stacks.map((s) => s.stackName).join(', ')} ` +
          `(aws://${account}/${region})\n`,
      );
    }
    process.stderr.write(`sandbox ${command.name}: cdk ${args.join(' ')}\n`);
    const status = runCdk(args, projectRoot);
    if (status !== 0) return status;
  }
  return 0;
}

if (require.main === module) {
  runTool(() => runSandbox(parseSandboxArgs(process.argv.slice(2), process.env.USER ?? os.userInfo().username)));
}
