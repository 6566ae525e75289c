/**
 * `config.functions`: each function under `lambda/<name>`, its stack, layers, runtime and resources, and what calls it
 * (its service settings, `service-config.ts`). The layers it names must be declared and cover its runtime and
 * architecture; routes two functions of a stack claim are reported here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Checker } from './checker';
import { routeConflicts, RoutedFunction } from './http-routes-config';
import type { LayerConfig } from './layers-config';
import { functionCodeDir } from './project-layout';
import { Architecture, DEFAULT_ARCHITECTURE, DEFAULT_RUNTIME } from './runtimes';
import { parseServiceSettings, SERVICE_KEYS, ServiceSettings } from './service-config';

/** One function under `lambda/<name>`, with what calls it and how it runs in production ({@link ServiceSettings}). */
export interface FunctionConfig extends ServiceSettings {
  readonly name: string;
  /** The function stack (one CloudFormation stack per environment) that holds the function. */
  readonly stack: string;
  readonly description: string;
  /** Names of the layers the function uses, in the order Lambda applies them. */
  readonly layers: readonly string[];
  /** @default python3.14, the newest Python runtime Lambda supports */
  readonly runtime: string;
  /** @default arm64 */
  readonly architecture: Architecture;
  /** `module.function` inside `lambda/<name>/`. @default handler.handler */
  readonly handler: string;
  /** @default 256 */
  readonly memorySize: number;
  /** @default 10 */
  readonly timeoutSeconds: number;
  /** @default 30 */
  readonly logRetentionDays: number;
}

/** Defaults of the settings a function may leave out. */
export const FUNCTION_DEFAULTS = {
  runtime: DEFAULT_RUNTIME,
  architecture: DEFAULT_ARCHITECTURE,
  handler: 'handler.handler',
  memorySize: 256,
  timeoutSeconds: 10,
  logRetentionDays: 30,
} as const;

const HANDLER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
/** Lambda's valid CloudWatch Logs retention periods, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * `config.functions`. `declaredLayers` are the names written under `config.layers`, valid or not: a function that
 * lists a layer whose own declaration is wrong is not reported again.
 */
export function parseFunctions(
  c: Checker,
  raw: unknown,
  layers: LayerConfig[],
  projectRoot: string,
  declaredLayers: readonly string[] = layers.map((l) => l.name),
): FunctionConfig[] {
  const functions = c.object(raw, 'config.functions', 'add "functions": { "<name>": { "stack", "layers" } }');
  if (!functions) return [];
  if (Object.keys(functions).length === 0) {
    c.problem(
      'config.functions',
      raw,
      'declares no function',
      'declare at least one function, one per folder under lambda/',
    );
  }
  const layerByName = new Map(layers.map((l) => [l.name, l]));
  const out: FunctionConfig[] = [];
  const routed: RoutedFunction[] = [];
  for (const [name, value] of Object.entries(functions)) {
    const at = `config.functions.${name}`;
    const validName = c.name(name, `${at} (the function name)`, 40);
    const f = c.object(value, at, 'each function is an object { "stack", "layers", ... }');
    if (!f) continue;
    c.knownKeys(f, at, FUNCTION_KEYS);
    const stack = c.name(f.stack, `${at}.stack`, 30);
    const description = c.optionalString(f.description, `${at}.description`, `The ${name} function`, 256);
    const runtime = c.runtime(f.runtime ?? FUNCTION_DEFAULTS.runtime, `${at}.runtime`);
    const architecture =
      f.architecture === undefined
        ? FUNCTION_DEFAULTS.architecture
        : c.architecture(f.architecture, `${at}.architecture`);
    const handler =
      f.handler === undefined
        ? FUNCTION_DEFAULTS.handler
        : c.matching(
            f.handler,
            `${at}.handler`,
            HANDLER,
            'is not "module.function"',
            'name the handler as "module.function", e.g. "handler.handler"',
          );
    const memorySize = c.integer(f.memorySize, `${at}.memorySize`, FUNCTION_DEFAULTS.memorySize, 128, 10240, 'MB');
    const timeoutSeconds = c.integer(
      f.timeoutSeconds,
      `${at}.timeoutSeconds`,
      FUNCTION_DEFAULTS.timeoutSeconds,
      1,
      900,
      'seconds',
    );
    const logRetentionDays =
      f.logRetentionDays === undefined
        ? FUNCTION_DEFAULTS.logRetentionDays
        : c.oneOf(f.logRetentionDays, `${at}.logRetentionDays`, LOG_RETENTION_DAYS);
    const fnLayers = c.list(f.layers, `${at}.layers`, undefined, (v, p) => c.nonEmptyString(v, p, 'a layer name'));
    if (fnLayers.length === 0 && Array.isArray(f.layers)) {
      c.problem(`${at}.layers`, f.layers, 'is empty', 'list the layers the function uses, e.g. ["common"]');
    }
    if (fnLayers.length > 5) {
      c.problem(
        `${at}.layers`,
        fnLayers,
        'lists more than 5 layers',
        'Lambda attaches at most 5 layers to a function; merge some',
      );
    }
    fnLayers.forEach((layerName, i) => {
      const layer = layerByName.get(layerName);
      if (!layer && declaredLayers.includes(layerName)) return;
      if (!layer) {
        c.problem(
          `${at}.layers[${i}]`,
          layerName,
          'names no declared layer',
          layerByName.size > 0
            ? `use one of ${[...layerByName.keys()].map((n) => `"${n}"`).join(', ')}, or declare it under config.layers`
            : 'declare it under config.layers',
        );
        return;
      }
      // A layer whose own lists are invalid was reported already; comparing with it would blame the function.
      if (runtime && layer.runtimes.length > 0 && !layer.runtimes.includes(runtime)) {
        c.problem(
          `${at}.runtime`,
          runtime,
          `is not among the runtimes of layer "${layerName}" (${layer.runtimes.join(', ')})`,
          `add "${runtime}" to config.layers.${layerName}.runtimes, or give the function one of those runtimes`,
        );
      }
      if (architecture && layer.architectures.length > 0 && !layer.architectures.includes(architecture)) {
        c.problem(
          `${at}.architecture`,
          architecture,
          `is not among the architectures of layer "${layerName}" (${layer.architectures.join(', ')})`,
          `add "${architecture}" to config.layers.${layerName}.architectures, or give the function one of those architectures`,
        );
      }
    });
    if (new Set(fnLayers).size !== fnLayers.length) {
      c.problem(`${at}.layers`, fnLayers, 'names a layer twice', 'list each layer once');
    }
    if (validName && handler) {
      const moduleFile = `${handler.split('.').slice(0, -1).join('/')}.py`;
      const handlerFile = `lambda/${name}/${moduleFile}`;
      if (!fs.existsSync(path.join(functionCodeDir(projectRoot, name), moduleFile))) {
        c.problem(
          `${at}.handler`,
          handler,
          `has no module file ${handlerFile}`,
          `create ${handlerFile}, or point "handler" at the module that defines the function`,
        );
      }
    }
    const { settings: service, routes } = parseServiceSettings(c, f, at, timeoutSeconds);
    if (validName && stack) routed.push({ name, stack, http: routes });
    if (
      validName &&
      stack &&
      runtime &&
      architecture &&
      handler &&
      memorySize &&
      timeoutSeconds &&
      logRetentionDays &&
      service
    ) {
      out.push({
        name,
        stack,
        description,
        layers: fnLayers,
        runtime,
        architecture,
        handler,
        memorySize,
        timeoutSeconds,
        logRetentionDays,
        ...service,
      });
    }
  }
  routeConflicts(c, routed);
  return out;
}

/** The settings a function object may have. */
const FUNCTION_KEYS = [
  'stack',
  'description',
  'layers',
  'runtime',
  'architecture',
  'handler',
  'memorySize',
  'timeoutSeconds',
  'logRetentionDays',
  ...SERVICE_KEYS,
];
