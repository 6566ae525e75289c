#!/usr/bin/env node
/**
 * `npm run invoke -- <function> [event.json]`: runs a function's handler under local Python with its layers'
 * built (or, with a note, source) `python/` folders on sys.path in the order Lambda mounts them, and prints the
 * result. Without an event file it uses `lambda/<function>/events/default.json` when there is one, `{}` otherwise.
 *
 * `npm run invoke -- <function> --http METHOD /path [body.json]`: sends the handler the event API Gateway's HTTP API
 * would send for that request to one of the function's routes (payload format 2.0), with the body of the file, or of
 * `lambda/<function>/events/request.json` for POST, PUT and PATCH.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FunctionConfig } from '../lib/config/functions-config';
import { httpApiEvent, matchRoute } from '../lib/local/http-event';
import { resolveLayerContents } from '../lib/layer-content/layer-source';
import { localFunctionSpec } from '../lib/local/local-spec';
import { functionCodeDir } from '../lib/config/project-layout';
import { HTTP_METHODS } from '../lib/config/http-routes-config';
import { loadProjectConfig, PROJECT_ROOT, runTool, UsageError } from './project';

const USAGE =
  'usage: npm run invoke -- <function> [event.json]\n' +
  '       npm run invoke -- <function> --http METHOD /path [body.json]';

/** Methods whose requests carry a body by default (`events/request.json`). */
const METHODS_WITH_BODY = ['POST', 'PUT', 'PATCH'];

runTool(() => {
  const args = process.argv.slice(2);
  const [name] = args;
  if (!name || name.startsWith('-')) throw new UsageError(USAGE);
  const config = loadProjectConfig();
  const fn = config.functions.find((f) => f.name === name);
  if (!fn) {
    throw new UsageError(
      `unknown function "${name}": the functions in cdk.json are ${config.functions.map((f) => `"${f.name}"`).join(', ')}.\n${USAGE}`,
    );
  }
  // npm runs scripts from the project root; a relative file is the caller's.
  const callerDir = process.env.INIT_CWD ?? process.cwd();
  const existing = (file: string) => {
    const resolved = path.resolve(callerDir, file);
    if (!fs.existsSync(resolved)) throw new UsageError(`no file ${resolved}\n${USAGE}`);
    return resolved;
  };
  const events = path.join(functionCodeDir(PROJECT_ROOT, fn.name), 'events');
  let event: string | undefined;
  if (args[1] === '--http') {
    if (args.length < 4 || args.length > 5) throw new UsageError(USAGE);
    const requestBody = path.join(events, 'request.json');
    event = writeHttpEvent(fn, args[2], args[3], args[4] ? existing(args[4]) : undefined, requestBody);
  } else {
    if (args.length > 2) throw new UsageError(USAGE);
    const defaultEvent = path.join(events, 'default.json');
    event = args[1] ? existing(args[1]) : fs.existsSync(defaultEvent) ? defaultEvent : undefined;
  }

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
  if (args[1] === '--http' && event) fs.rmSync(path.dirname(event), { recursive: true, force: true });
  if (result.error) throw result.error;
  return result.status ?? 1;
});

/**
 * Writes the HTTP API event of `METHOD /path` to one of the function's routes to a temporary file; returns its path.
 * The body is `bodyFile` when given, else `requestBody` (the function's `events/request.json`), if it exists, for a
 * method that carries a body.
 */
function writeHttpEvent(
  fn: FunctionConfig,
  methodArg: string,
  pathArg: string,
  bodyFile: string | undefined,
  requestBody: string,
): string {
  const method = methodArg.toUpperCase();
  if (!(HTTP_METHODS as readonly string[]).includes(method) || method === 'ANY') {
    throw new UsageError(
      `"${methodArg}" is not an HTTP method: use one of ${HTTP_METHODS.slice(0, -1).join(', ')}\n${USAGE}`,
    );
  }
  if (!pathArg.startsWith('/')) throw new UsageError(`the path "${pathArg}" does not start with "/"\n${USAGE}`);
  const match = matchRoute(fn.http, method, pathArg);
  if (!match) {
    const routes = fn.http.map((r) => `"${r.method} ${r.path}"`).join(', ');
    throw new UsageError(
      fn.http.length > 0
        ? `function "${fn.name}" has no route for ${method} ${pathArg}: its routes are ${routes} (config.functions.${fn.name}.http)\n${USAGE}`
        : `function "${fn.name}" has no HTTP route: add one under config.functions.${fn.name}.http in cdk.json, e.g. [{ "route": "${method} ${pathArg.split('?')[0]}", "authorization": "iam" }]\n${USAGE}`,
    );
  }
  const source =
    bodyFile ?? (METHODS_WITH_BODY.includes(method) && fs.existsSync(requestBody) ? requestBody : undefined);
  const body = source === undefined ? undefined : fs.readFileSync(source, 'utf8');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'invoke-')), 'event.json');
  fs.writeFileSync(file, JSON.stringify(httpApiEvent({ match, method, path: pathArg, body }), null, 2));
  return file;
}
