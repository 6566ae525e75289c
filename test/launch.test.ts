/**
 * bin/launch.cjs, which every npm script and cdk.json's "app" start through: it runs a TypeScript entry point as
 * node runs JavaScript, and keeps what it compiled in node_modules/.cache/launch for the next start, also the next
 * start of a copy of the project.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../bin/project';
import { tempDir } from './helpers';

const ENTRY = [
  "import * as path from 'path';",
  "import { greeting } from '../lib/greeting';",
  'console.log(JSON.stringify({',
  '  greeting: greeting(process.argv.slice(2)),',
  '  main: require.main === module,',
  '  file: path.relative(process.cwd(), __filename),',
  '}));',
  "if (process.argv.includes('--fail')) throw new Error('failed on purpose');",
  '',
].join('\n');

/**
 * A project of its own with the launcher, the project's tsconfig.json, an entry point and a module it imports, and a
 * node_modules holding only a link to TypeScript: its cache is this test's.
 */
function project(modules: string): string {
  const root = tempDir('launch-project-');
  fs.mkdirSync(path.join(root, 'bin'));
  fs.mkdirSync(path.join(root, 'lib'));
  fs.copyFileSync(path.join(PROJECT_ROOT, 'bin', 'launch.cjs'), path.join(root, 'bin', 'launch.cjs'));
  fs.copyFileSync(path.join(PROJECT_ROOT, 'tsconfig.json'), path.join(root, 'tsconfig.json'));
  fs.writeFileSync(path.join(root, 'bin', 'hello.ts'), ENTRY);
  fs.writeFileSync(
    path.join(root, 'lib', 'greeting.ts'),
    'export function greeting(names: readonly string[]): string {\n  return `hello ${names.join(" and ")}`;\n}\n',
  );
  fs.symlinkSync(modules, path.join(root, 'node_modules'));
  return root;
}

function launch(root: string, ...args: string[]) {
  return spawnSync(process.execPath, ['bin/launch.cjs', 'bin/hello.ts', ...args], { cwd: root, encoding: 'utf8' });
}

describe('node bin/launch.cjs <entry.ts>', () => {
  const modules = tempDir('launch-modules-');
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules', 'typescript'), path.join(modules, 'typescript'));
  const cache = path.join(modules, '.cache', 'launch');
  const compiled = () => (fs.existsSync(cache) ? fs.readdirSync(cache).sort() : []);
  const first = project(modules);

  test('runs the entry point as the main module, with its arguments and its imports', () => {
    const run = launch(first, 'Ada', 'Grace');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ greeting: 'hello Ada and Grace', main: true, file: 'bin/hello.ts' });
    expect(compiled()).toHaveLength(2);
  });

  test('a copy of the project elsewhere runs what was compiled, as itself; a changed file compiles again', () => {
    expect(launch(first).status).toBe(0);
    const before = compiled();
    const copy = project(modules);
    const run = launch(copy, 'Ada');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ greeting: 'hello Ada', file: 'bin/hello.ts' });
    expect(compiled()).toEqual(before);

    fs.writeFileSync(path.join(copy, 'lib', 'greeting.ts'), 'export const greeting = (n: string[]) => `hi ${n[0]}`;\n');
    expect(JSON.parse(launch(copy, 'Ada').stdout)).toMatchObject({ greeting: 'hi Ada' });
    expect(compiled()).toHaveLength(3);
    expect(JSON.parse(launch(first, 'Ada').stdout)).toMatchObject({ greeting: 'hello Ada' });
  });

  test("an error's stack names the TypeScript source's line, in a copy that ran what was compiled too", () => {
    const copy = project(modules);
    for (const root of [first, copy]) {
      const run = launch(root, '--fail');
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('Error: failed on purpose');
      expect(run.stderr).toContain(`${path.join(root, 'bin', 'hello.ts')}:8:`);
    }
  });

  test('a file the compiler cannot read is named, with its line and no stack of the launcher', () => {
    const broken = project(modules);
    fs.writeFileSync(path.join(broken, 'lib', 'greeting.ts'), 'export function greeting( {\n');
    const run = launch(broken);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`TypeScript cannot compile ${path.join(broken, 'lib', 'greeting.ts')}`);
    expect(run.stderr).toMatch(/greeting\.ts\(2,1\): error TS\d+/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
