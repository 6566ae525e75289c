#!/usr/bin/env node
/**
 * `npm run test:python`: runs the Python tests beside the code they test (`layers/<layer>/tests`,
 * `lambda/<function>/tests`, `tools/tests`), each suite in its own interpreter with the folders Lambda would mount
 * for it, as `tools/lambda_local.py` lays them out. Prints a closing `python: N passed, N failed` line.
 *
 * A layer that is not built for this Python runs from its source, with the stand-ins of its third-party packages
 * where this Python does not have the real ones; each suite's notes say which was used. `-- --standins` uses the
 * stand-ins even where this Python has the real package: the tests as they run where it is not installed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { resolveLayerContents } from '../lib/layer-content/layer-source';
import { localFunctionSpec, localLayerSpec } from '../lib/local/local-spec';
import { functionCodeDir, layerSourceDir } from '../lib/config/project-layout';
import { loadProjectConfig, PROJECT_ROOT, runTool, UsageError } from './project';

interface Suite {
  readonly label: string;
  readonly dir: string;
  readonly spec?: unknown;
}

const USAGE = 'usage: npm run test:python [-- --standins]';

runTool(() => {
  const args = process.argv.slice(2);
  if (args.some((arg) => arg !== '--standins')) throw new UsageError(USAGE);
  const preferStandins = args.includes('--standins');
  const config = loadProjectConfig();
  const contents = resolveLayerContents(config.layers, { projectRoot: PROJECT_ROOT });
  const suites: Suite[] = [
    ...contents.map((c) => ({
      label: `layer ${c.layer.name}`,
      dir: path.join(layerSourceDir(PROJECT_ROOT, c.layer.name), 'tests'),
      spec: {
        name: c.layer.name,
        handler: '',
        environment: {},
        layers: [localLayerSpec(PROJECT_ROOT, c)],
        preferStandins,
      },
    })),
    ...config.functions.map((fn) => ({
      label: `function ${fn.name}`,
      dir: path.join(functionCodeDir(PROJECT_ROOT, fn.name), 'tests'),
      spec: { ...localFunctionSpec(PROJECT_ROOT, config.appName, fn, contents), preferStandins },
    })),
    { label: 'tools', dir: path.join(PROJECT_ROOT, 'tools', 'tests') },
  ];

  const python = process.env.PYTHON ?? 'python3';
  let passed = 0;
  let failed = 0;
  for (const suite of suites) {
    if (!fs.existsSync(suite.dir)) {
      process.stdout.write(`-- ${suite.label}: no tests (${path.relative(PROJECT_ROOT, suite.dir)} does not exist)\n`);
      continue;
    }
    process.stdout.write(`-- ${suite.label}\n`);
    const result = spawnSync(
      python,
      ['-B', '-m', 'unittest', 'discover', '-s', suite.dir, '-t', suite.dir, '-p', 'test_*.py'],
      {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          PYTHONPATH: [path.join(PROJECT_ROOT, 'tools'), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
          PYTHONDONTWRITEBYTECODE: '1',
          ...(suite.spec ? { LAMBDA_LOCAL_SPEC: JSON.stringify(suite.spec) } : {}),
        },
      },
    );
    if (result.error) throw result.error;
    process.stdout.write(result.stdout);
    process.stdout.write(result.stderr);
    const ran = Number(/^Ran (\d+) tests?/m.exec(result.stderr)?.[1] ?? 0);
    const counts = /^FAILED \((.*)\)/m.exec(result.stderr)?.[1] ?? '';
    const bad = [...counts.matchAll(/(failures|errors)=(\d+)/g)].reduce((n, m) => n + Number(m[2]), 0);
    const skipped = Number(/skipped=(\d+)/.exec(counts || result.stderr)?.[1] ?? 0);
    if (result.status !== 0 && bad === 0) failed += 1; // the suite could not even load
    failed += bad;
    passed += ran - bad - skipped;
  }
  process.stdout.write(`\npython: ${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
});
