#!/usr/bin/env node
/**
 * `npm run test:deploy [-- --profile <profile of a sandbox account>]`
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
import * as fs from 'fs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import { loadProjectConfig } from '../../bin/project';
import { CDK_EXAMPLE_PERMISSIONS_BOUNDARY } from '../../lib/config/environments-config';
import { copyOfProject, NotRun, Result, Run, ScenarioFailure } from './run';
import { FOUNDATIONS, SCENARIOS, State } from './scenarios';
import { accountTarget, EmulatorUnavailable, startEmulator, Target } from './target';

const USAGE = 'usage: npm run test:deploy [-- --profile <profile of a sandbox account>]';

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
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--profile' && args[i + 1]) profile = args[++i];
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
      target = await startEmulator(
        sandboxAccount,
        [config.pipeline.account, ...config.environments.map((e) => e.account)],
        (config.sandbox ?? config.environments[0]).region,
      );
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
      if (outcome === 'failed' && FOUNDATIONS.has(scenario)) break; // later scenarios build on it
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
      detail: `the emulator skips ${unknown.join(', ')}: list each in NOT_EMULATED of test/deploy/emulator/not_emulated.py with the reason, or patch it`,
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
