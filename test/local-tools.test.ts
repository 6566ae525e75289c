/**
 * The command-line tools as people and the pipeline run them: `npm run invoke`, and the layer build's buildspec
 * commands run in a shell the way CodeBuild runs them.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { LAYER_BUILDSPEC } from '../pipeline/layer-build-step';
import { baseConfig, copyProjectWithTools, runEntryPoint, tempDir } from './helpers';
import { offlinePipEnv, wheelhouse } from './wheels';

/** The fixture project with the template's tools, where `npm run invoke` runs as it does in a project. */
const project = copyProjectWithTools();

function invoke(args: string[], env: Record<string, string> = {}) {
  return runEntryPoint(project, 'bin/invoke.ts', args, {
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
}

/** The handler's result: the pretty JSON `tools/lambda_local.py` prints last, after the function's log lines. */
function resultOf(stdout: string): any {
  const start = stdout.startsWith('{\n') ? 0 : stdout.lastIndexOf('\n{\n') + 1;
  return JSON.parse(stdout.slice(start));
}

describe('npm run invoke', () => {
  test.each(Object.keys(baseConfig().functions))('runs %s with its layers and prints its result', (name) => {
    const run = invoke([name]);
    expect(run.status).toBe(0);
    const result = resultOf(run.stdout);
    expect(result).toBeInstanceOf(Object);
    if (name === 'daily-report') {
      expect(result).toMatchObject({ date: '2026-11-20', orders: 2, revenue: '128.40' });
    } else {
      expect(result.statusCode).toBe(200);
      expect(result.headers).toEqual({ 'content-type': 'application/json' });
    }
  });

  test('takes an event file, relative to where it was called from', () => {
    const dir = tempDir('caller-');
    fs.writeFileSync(path.join(dir, 'event.json'), JSON.stringify({ currency: 'EUR', lines: [] }));
    const run = invoke(['price-order', 'event.json'], { INIT_CWD: dir });
    expect(run.status).toBe(0);
    expect(resultOf(run.stdout).statusCode).toBe(422);
  });

  test('an event file that is not JSON is named, with the line, the column and the fix, and no traceback', () => {
    const dir = tempDir('caller-');
    fs.writeFileSync(path.join(dir, 'broken.json'), '{\n  "customer": "c",\n  "lines": [1, 2,]\n}\n');
    const run = invoke(['price-order', 'broken.json'], { INIT_CWD: dir });
    expect(run.status).toBe(2);
    expect(run.stdout).not.toContain('statusCode');
    expect(run.stderr).toContain(
      `the event file ${path.join(dir, 'broken.json')} is not valid JSON: line 3, column 18: Expecting value.\n` +
        'Fix the file (it holds the event the handler gets, one JSON value such as {}), or give another one.',
    );
    expect(run.stderr).not.toContain('Traceback');
  });

  test('--http sends the payload 2.0 event of a request to one of its routes, with the body of a file', () => {
    const dir = tempDir('caller-');
    fs.writeFileSync(path.join(dir, 'order.json'), JSON.stringify({ lines: [{ price: '2.50' }, { price: '1.25' }] }));
    const run = invoke(['price-order', '--http', 'POST', '/orders', 'order.json'], { INIT_CWD: dir });
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.status).toBe(0);
    const result = resultOf(run.stdout);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ total: '3.75', route: 'POST /orders' });
  });

  test('--http to a path none of its routes takes is a usage error naming its routes', () => {
    const run = invoke(['price-order', '--http', 'DELETE', '/orders']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      'function "price-order" has no route for DELETE /orders: its routes are "POST /orders", "GET /orders/{id}" ' +
        '(config.functions.price-order.http)',
    );
  });

  test('an unknown function is a usage error naming the functions there are', () => {
    const run = invoke(['no-such-function']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      'unknown function "no-such-function": the functions in cdk.json are "price-order", "health-check", "daily-report".',
    );
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('npm run test:python', () => {
  /** The fixture with one Python test, of its common layer, that prints the file of the orjson it imports. */
  const root = copyProjectWithTools();
  fs.rmSync(path.join(root, 'lambda', 'price-order', 'tests'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'layers', 'common', 'tests', 'test_orjson_used.py'),
    [
      'import unittest',
      'import lambda_local',
      'lambda_local.activate(lambda_local.load_spec())',
      'import orjson',
      'class OrjsonTest(unittest.TestCase):',
      '    def test_imports_orjson(self):',
      '        print("imported orjson from " + orjson.__file__)',
      '',
    ].join('\n'),
  );
  const standin = path.join('layers', 'common', 'tests', 'standins', 'orjson.py');
  /** Where `import orjson` finds it in this machine's Python, without the project's stand-ins: its folder, or none. */
  const own = spawnSync(
    process.env.PYTHON ?? 'python3',
    ['-c', 'import orjson, os; print(os.path.dirname(os.path.dirname(orjson.__file__)))'],
    {
      encoding: 'utf8',
    },
  );
  const ownPackages = own.status === 0 ? own.stdout.trim() : undefined;

  test("uses this Python's own orjson where it has one, else the stand-in, and its note says which", () => {
    const run = runEntryPoint(root, 'bin/test-python.ts');
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/python: \d+ passed, 0 failed/);
    if (ownPackages) {
      expect(run.stdout).toMatch(new RegExp(`; orjson: the real package, [^,]+, from ${escape(ownPackages)}\\b`));
      expect(run.stdout).toContain(`imported orjson from ${path.join(ownPackages, 'orjson')}`);
    } else {
      expect(run.stdout).toContain(`; orjson: its stand-in, ${standin}`);
      expect(run.stdout).toContain(`imported orjson from ${path.join(root, standin)}`);
    }
  });

  test('-- --standins uses the stand-ins even where this Python has the real package', () => {
    const run = runEntryPoint(root, 'bin/test-python.ts', ['--standins']);
    expect(run.stdout).toMatch(/python: \d+ passed, 0 failed/);
    expect(run.stdout).toContain(`; orjson: its stand-in, ${standin}`);
    expect(run.stdout).toContain(`imported orjson from ${path.join(root, standin)}`);
  });

  test('anything else is a usage error', () => {
    const run = runEntryPoint(root, 'bin/test-python.ts', ['--standin']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: npm run test:python [-- --standins]');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('buildspecs/layer-build.yml', () => {
  const buildspec = parse(fs.readFileSync(LAYER_BUILDSPEC, 'utf8'));

  test("leaves the Python version to the step (the layers' runtime), caches pip downloads, and runs the layer builder", () => {
    expect(buildspec.phases.install['runtime-versions']).toBeUndefined();
    expect(buildspec.env.variables.PIP_CACHE_DIR).toBeDefined();
    expect(buildspec.cache.paths).toContain(`${buildspec.env.variables.PIP_CACHE_DIR}/**/*`);
    expect(buildspec.phases.build.commands.join('\n')).toContain('npm run build:layers');
  });

  test("its build commands, run in a shell as CodeBuild runs them, build the layers of the step's architecture", () => {
    // The install phase (runtime-versions, npm ci) prepares CodeBuild's machine; this machine is prepared already.
    const root = copyProjectWithTools();
    const orjson = {
      name: 'orjson',
      version: '3.10.15',
      tag: 'cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64',
      files: { 'orjson/__init__.py': '' },
    };
    const env = {
      ...process.env,
      ...buildspec.env.variables,
      PIP_CACHE_DIR: path.join(root, '.pip-cache'),
      ...offlinePipEnv(wheelhouse(orjson)),
      LAYER_ARCHITECTURE: 'arm64',
    };
    for (const command of buildspec.phases.build.commands as string[]) {
      const run = spawnSync('bash', ['-eo', 'pipefail', '-c', command], { cwd: root, encoding: 'utf8', env });
      expect({ command, status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({
        command,
        status: 0,
        stderr: '',
      });
    }
    const built = path.join(root, 'build', 'layers');
    expect(fs.readdirSync(built).sort()).toEqual(['common', 'domain']);
    expect(fs.existsSync(path.join(built, 'common', 'python', 'orjson', '__init__.py'))).toBe(true);
    expect(fs.existsSync(path.join(built, 'common', 'python', 'lambda_kit.py'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(built, 'common', 'manifest.json'), 'utf8')).packages).toEqual([
      { name: 'orjson', version: '3.10.15', tags: [orjson.tag] },
    ]);
  });
});

describe('a cdk.json that is not valid JSON', () => {
  const root = copyProjectWithTools();
  const cdkJson = path.join(root, 'cdk.json');
  // A trailing comma after the first setting of config, as a hand edit leaves it.
  const text = fs.readFileSync(cdkJson, 'utf8').replace(/("appName": "[^"]+",)/, '$1,');
  fs.writeFileSync(cdkJson, text);
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('"appName"')) + 1;
  const column = lines[line - 1].lastIndexOf(',') + 1;

  test.each([
    ['doctor', 'bin/doctor.ts', []],
    ['build:layers', 'bin/build-layers.ts', []],
    ['invoke', 'bin/invoke.ts', ['health-check']],
    ['bootstrap-policy', 'bin/bootstrap-policy.ts', []],
  ])('npm run %s names the file, the line and the column, without a stack trace', (_name, entry, args) => {
    const run = runEntryPoint(root, entry, args);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `cdk.json:${line}:${column} is not valid JSON: Expected double-quoted property name.\nFix: correct it there`,
    );
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});
