/**
 * Every `npx cdk` command the README gives, run with the pinned CLI on the fixture project (whose stacks have the
 * README's names) as far as it goes without credentials: it must select the stacks the README says it does, and stop
 * only for want of credentials. (The deploy suite, `npm run test:deploy`, runs them against an AWS API.)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../bin/project';
import { copyProjectWithTools, noCredentialsEnv } from './helpers';

/** The `npx cdk ...` command lines of the README's code blocks: `$ ` prompts, comments and continuations undone. */
export function readmeCdkCommands(markdown: string): string[] {
  const commands: string[] = [];
  let inBlock = false;
  let pending = '';
  for (const raw of markdown.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('```')) {
      inBlock = !inBlock;
      continue;
    }
    if (!inBlock) continue;
    const text = `${pending}${line.replace(/^\$ /, '')}`;
    if (text.endsWith('\\')) {
      pending = `${text.slice(0, -1).trim()} `;
      continue;
    }
    pending = '';
    const command = text.replace(/\s+#.*$/, '').trim();
    const at = command.indexOf('npx cdk ');
    if (at >= 0) commands.push(command.slice(at));
  }
  return commands;
}

const commands = readmeCdkCommands(fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8'));
const verb = (command: string) => command.split(/\s+/)[2];

describe("the README's npx cdk commands", () => {
  const root = copyProjectWithTools();
  const env = noCredentialsEnv(root);

  const assembly = path.join(root, 'cdk.out');
  const sh = (command: string) => {
    const result = spawnSync('sh', ['-c', command], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };
  const NO_CREDENTIALS = /Need to perform AWS calls for account (\d{12}), but no credentials have been configured/;

  beforeAll(() => {
    const synth = sh('npx cdk synth --quiet');
    if (synth.status !== 0) throw new Error(synth.output);
  });

  test('are found: the bootstrap, deploy, diff, destroy and ls commands of First deploy, Sandboxes and Teardown', () => {
    expect(new Set(commands.map(verb))).toEqual(new Set(['synth', 'bootstrap', 'deploy', 'diff', 'ls', 'destroy']));
  });

  test.each(commands.filter((c) => ['deploy', 'diff', 'destroy'].includes(verb(c))))(
    '%s: selects stacks of the app and stops only for credentials',
    (command) => {
      const selector = command.split(/\s+/)[3].replace(/^'|'$/g, '');
      const listed = sh(`npx cdk ls '${selector}' --app ${assembly}`);
      expect(listed.output).not.toContain('No stacks match');
      expect(listed.status).toBe(0);
      const run = sh(`${command}${verb(command) === 'destroy' ? ' --force' : ''} --app ${assembly}`);
      expect(run.output).toMatch(NO_CREDENTIALS);
      expect(run.output).not.toContain('Unknown option');
      expect(run.status).not.toBe(0);
    },
  );

  test.each(commands.filter((c) => verb(c) === 'bootstrap'))(
    "%s: every option is the CLI's, and only credentials are missing",
    (command) => {
      const run = sh(command.replace(/<profile of (\d{12})>/g, 'profile-$1'));
      expect(run.output).not.toContain('Unknown option');
      expect(run.output).toMatch(NO_CREDENTIALS);
    },
  );

  test.each(commands.filter((c) => verb(c) === 'ls'))('%s: lists what the README shows', (command) => {
    const run = sh(command.includes('-c ') ? command : `${command} --app ${assembly}`);
    expect(run.status).toBe(0);
    const stacks = run.output.split('\n').filter((l) => /^(PipelineStack|Sandbox-)/.test(l));
    expect(stacks.length).toBeGreaterThan(0);
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    for (const line of stacks.slice(0, 3)) expect(readme).toContain(line);
  });
});
