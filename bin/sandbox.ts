#!/usr/bin/env node
/**
 * `npm run sandbox -- <deploy|destroy|diff|ls|synth> [--name <name>] [--profile <profile>] [-- <cdk options>]`
 *
 * A personal sandbox straight from a laptop, without the pipeline: the layer stack and every function stack of the
 * project, named after the sandbox (`Sandbox-<Name>-...`, SSM parameters under `/<app>/sandbox-<name>/...`), in
 * the configured sandbox account (the first environment's by default). It runs the project's own CDK CLI with
 * `--all -c sandbox=<name>`; the name defaults to the user's name, made a valid sandbox name.
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { SANDBOX_CONTEXT_KEY } from '../lib/sandbox-stage';
import { PROJECT_ROOT, runTool, UsageError } from './project';

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

/** The CDK CLI's arguments for a sandbox command. */
export function cdkArgs(command: SandboxCommand): string[] {
  const args: string[] = [command.verb];
  if (command.verb !== 'ls' && command.verb !== 'synth') args.push('--all');
  if (command.verb === 'destroy') args.push('--force');
  args.push('-c', `${SANDBOX_CONTEXT_KEY}=${command.name}`);
  if (command.profile) args.push('--profile', command.profile);
  return [...args, ...command.extra];
}

if (require.main === module) {
  runTool(() => {
    const command = parseSandboxArgs(process.argv.slice(2), process.env.USER ?? os.userInfo().username);
    process.stderr.write(`sandbox ${command.name}: cdk ${cdkArgs(command).join(' ')}\n`);
    const result = spawnSync(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'), cdkArgs(command), {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
    });
    if (result.error) throw result.error;
    return result.status ?? 1;
  });
}
