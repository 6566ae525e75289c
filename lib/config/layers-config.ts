/** `config.layers`: each layer under `layers/<name>`, the runtimes and architectures it is built for. */
import * as fs from 'fs';
import * as path from 'path';
import { Checker } from './checker';
import type { Problem } from './config-error';
import { isIgnoredEntry, layerSourceDir } from './project-layout';
import { Architecture, DEFAULT_ARCHITECTURE, DEFAULT_RUNTIME } from './runtimes';

/** One layer under `layers/<name>`. */
export interface LayerConfig {
  readonly name: string;
  readonly description: string;
  /** Lambda runtimes the layer is built for; the first is the one pip targets. */
  readonly runtimes: readonly string[];
  /** Instruction-set architectures the layer is built for; the first is the one pip targets. */
  readonly architectures: readonly Architecture[];
}

/** Defaults of the settings a layer may leave out: those of a function. */
export const LAYER_DEFAULTS = {
  runtimes: [DEFAULT_RUNTIME],
  architectures: [DEFAULT_ARCHITECTURE],
} as const;

export function parseLayers(c: Checker, raw: unknown, projectRoot: string): LayerConfig[] {
  const layers = c.object(
    raw,
    'config.layers',
    'add "layers": { "<name>": { "runtimes": [...], "architectures": [...] } }',
  );
  if (!layers) return [];
  if (Object.keys(layers).length === 0) {
    c.problem('config.layers', raw, 'declares no layer', 'declare at least one layer, one per folder under layers/');
  }
  const out: LayerConfig[] = [];
  for (const [name, value] of Object.entries(layers)) {
    const at = `config.layers.${name}`;
    const validName = layerName(c, name, at);
    const l = c.object(value, at, 'each layer is an object { "description", "runtimes", "architectures" }');
    if (!l) continue;
    const description = c.optionalString(l.description, `${at}.description`, `The ${name} layer`, 200);
    const problemsBefore = c.count();
    // Defaults go through the same check: a default runtime Lambda has deprecated is refused like a written one.
    const runtimes = c.list(l.runtimes ?? LAYER_DEFAULTS.runtimes, `${at}.runtimes`, LAYER_DEFAULTS.runtimes, (v, p) =>
      c.runtime(v, p),
    );
    const architectures = c.list(l.architectures, `${at}.architectures`, LAYER_DEFAULTS.architectures, (v, p) =>
      c.architecture(v, p),
    );
    // A layer with an invalid list is kept with empty lists: functions are then not compared with it.
    const listsValid = c.count() === problemsBefore;
    if (validName) {
      for (const problem of layerFolderProblems(projectRoot, name)) c.add(problem);
      out.push({
        name,
        description,
        runtimes: listsValid ? runtimes : [],
        architectures: listsValid ? architectures : [],
      });
    }
  }
  return out;
}

/** Problems with a layer's source folder: Lambda needs `python/` at the top of the layer, holding code. */
export function layerFolderProblems(projectRoot: string, layer: string): Problem[] {
  const rel = `layers/${layer}`;
  const dir = layerSourceDir(projectRoot, layer);
  const python = path.join(dir, 'python');
  if (!fs.existsSync(dir)) {
    return [
      {
        setting: `config.layers.${layer}`,
        value: undefined,
        message: `has no folder ${rel}`,
        fix: `create ${rel}/python/ with the layer's code, or remove the layer from the config`,
      },
    ];
  }
  if (!fs.existsSync(python) || !fs.statSync(python).isDirectory()) {
    return [
      {
        setting: `config.layers.${layer}`,
        value: undefined,
        message: `has no ${rel}/python/ folder`,
        fix: `put the layer's modules in ${rel}/python/ (Lambda mounts it as /opt/python); third-party packages go in ${rel}/requirements.txt`,
      },
    ];
  }
  if (fs.readdirSync(python).filter((n) => !isIgnoredEntry(n)).length === 0) {
    return [
      {
        setting: `config.layers.${layer}`,
        value: undefined,
        message: `has an empty ${rel}/python/ folder`,
        fix: `put at least one module or package in ${rel}/python/`,
      },
    ];
  }
  return [];
}

/** The longest layer name: `<app>-<env>-<layer>` must fit Lambda's 140 characters with room for the others. */
const MAX_LAYER_NAME = 40;

/**
 * A layer's name, which is also its folder's and what functions list: an invalid one is reported once, with the
 * three places to rename it (the functions that list it are not reported again).
 */
function layerName(c: Checker, name: string, at: string): string | undefined {
  if (/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) && name.length <= MAX_LAYER_NAME) return name;
  const suggestion =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^[^a-z]+|-+$/g, '')
      .slice(0, MAX_LAYER_NAME)
      .replace(/-+$/, '') || 'shared';
  c.problem(
    `${at} (the layer name)`,
    name,
    name.length > MAX_LAYER_NAME
      ? `is longer than ${MAX_LAYER_NAME} characters`
      : 'is not a valid layer name: lower-case letters, digits and inner hyphens, starting with a letter',
    `rename it, e.g. to "${suggestion}", in three places: its key under config.layers, its folder layers/${name}/, and every function's "layers" list that names it`,
  );
  return undefined;
}
