#!/usr/bin/env node
/**
 * `npm run invoke -- <function> [event.json]`: runs a function's handler under local Python with its layers'
 * built (or, with a note, source) `python/` folders on sys.path in the order Lambda mounts them, and prints the
 * result. Without an event file it uses `lambda/<function>/events/default.json` when there is one, `{}` otherwise.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { resolveLayerContents } from '../lib/layer-source';
import { localFunctionSpec } from '../lib/local-spec';
import { functionCodeDir } from '../lib/project-layout';
import { loadProjectConfig, PROJECT_ROOT, runTool, UsageError } from './project';

const USAGE = 'usage: npm run invoke -- <function> [event.json]';

runTool(() => {
  const [name, eventArg, ...rest] = process.argv.slice(2);
  if (!name || rest.length > 0 || name.startsWith('-')) throw new UsageError(USAGE);
  const config = loadProjectConfig();
  const fn = config.functions.find((f) => f.name === name);
  if (!fn) {
    throw new UsageError(
      `unknown function "${name}": the functions in cdk.json are ${config.functions.map((f) => `"${f.name}"`).join(', ')}.\n${USAGE}`,
    );
  }
  // npm runs scripts from the project root; a relative event path is the caller's.
  const callerDir = process.env.INIT_CWD ?? process.cwd();
  const defaultEvent = path.join(functionCodeDir(PROJECT_ROOT, fn.name), 'events', 'default.json');
  const event = eventArg ? path.resolve(callerDir, eventArg) : fs.existsSync(defaultEvent) ? defaultEvent : undefined;
  if (event && !fs.existsSync(event)) throw new UsageError(`no event file ${event}\n${USAGE}`);

  const contents = resolveLayerContents(config.layers, { projectRoot: PROJECT_ROOT });
  const spec = localFunctionSpec(PROJECT_ROOT, config.appName, fn, contents);
  const result = spawnSync(
    process.env.PYTHON ?? 'python3',
    ['-B', path.join(PROJECT_ROOT, 'tools', 'lambda_local.py'), ...(event ? [event] : [])],
    {
      stdio: 'inherit',
      env: { ...process.env, LAMBDA_LOCAL_SPEC: JSON.stringify(spec), PYTHONDONTWRITEBYTECODE: '1' },
    },
  );
  if (result.error) throw result.error;
  return result.status ?? 1;
});
