#!/usr/bin/env node
/**
 * `npm run build:layers [-- <layer> ...] [--architecture x86_64|arm64] [--force] [--container [--engine <name>] [--image <ref>]]`
 *
 * Builds layers into `build/layers/<layer>` for the runtime and architecture each declares in cdk.json, skipping
 * a layer whose build is current; then checks what no single layer can: the size of each function with all its
 * layers, and modules that two layers of one function both ship. The pipeline's layer step runs this very command.
 *
 * `--container` runs pip inside the Lambda build image of each layer's runtime and architecture (Docker, Podman or
 * Finch), for packages that publish no wheel for Lambda's platform; `--image` or LAYER_BUILD_IMAGE overrides the image.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { AppConfig } from '../lib/config/app-config';
import type { LayerConfig } from '../lib/config/layers-config';
import {
  CONTAINER_ENGINES,
  ContainerEngine,
  ContainerEngineError,
  findContainerEngine,
} from '../lib/layer-build/container-engine';
import { ARCHITECTURES } from '../lib/config/runtimes';
import {
  buildLayer,
  BuildLayerResult,
  formatBytes,
  LAMBDA_UNZIPPED_LIMIT_BYTES,
} from '../lib/layer-build/layer-builder';
import { LayerBuildError } from '../lib/layer-build/layer-build-error';
import { shadowingProblems } from '../lib/layer-build/layer-shadowing';
import { listTree } from '../lib/layer-content/layer-fingerprint';
import { functionCodeDir, layerBuildDir, layerSourceDir } from '../lib/config/project-layout';
import { loadProjectConfig, PROJECT_ROOT, runTool, UsageError } from './project';

const USAGE =
  'usage: npm run build:layers [-- <layer> ...] [--architecture x86_64|arm64] [--force] ' +
  `[--container [--engine ${CONTAINER_ENGINES.join('|')}] [--image <ref>]]`;

/** The variable that overrides the build image of `--container` (as `--image` does). */
const IMAGE_VARIABLE = 'LAYER_BUILD_IMAGE';

interface Options {
  readonly names: string[];
  readonly architecture?: string;
  readonly force: boolean;
  readonly container: boolean;
  readonly engine?: string;
  readonly image?: string;
}

function parseArgs(argv: string[]): Options {
  const names: string[] = [];
  let architecture: string | undefined;
  let force = false;
  let container = false;
  let engine: string | undefined;
  let image: string | undefined;
  const valueOf = (option: string, i: number) => {
    const value = argv[i];
    if (value === undefined || value.startsWith('-')) throw new UsageError(`${option} needs a value\n${USAGE}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--force') force = true;
    else if (arg === '--container') container = true;
    else if (arg === '--engine') engine = valueOf(arg, ++i);
    else if (arg.startsWith('--engine=')) engine = arg.slice('--engine='.length);
    else if (arg === '--image') image = valueOf(arg, ++i);
    else if (arg.startsWith('--image=')) image = arg.slice('--image='.length);
    else if (arg === '--architecture') architecture = argv[++i];
    else if (arg.startsWith('--architecture=')) architecture = arg.slice('--architecture='.length);
    else if (arg === '--help' || arg === '-h') throw new UsageError(USAGE);
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    else names.push(arg);
  }
  if (architecture !== undefined && !(ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new UsageError(`--architecture "${architecture}" is not one of ${ARCHITECTURES.join(', ')}\n${USAGE}`);
  }
  for (const [option, value] of [
    ['--engine', engine],
    ['--image', image],
  ] as const) {
    if (value !== undefined && !container) {
      throw new UsageError(`${option} applies to container builds only. Fix: add --container.\n${USAGE}`);
    }
  }
  if (engine !== undefined && !(CONTAINER_ENGINES as readonly string[]).includes(engine)) {
    throw new UsageError(`--engine "${engine}" is not one of ${CONTAINER_ENGINES.join(', ')}\n${USAGE}`);
  }
  return { names, architecture, force, container, engine, image };
}

function selectLayers(config: AppConfig, options: Options): LayerConfig[] {
  const unknown = options.names.filter((n) => !config.layers.some((l) => l.name === n));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown layer${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}: the layers in cdk.json are ` +
        `${config.layers.map((l) => `"${l.name}"`).join(', ')}. Fix: name one of them, or declare the layer under config.layers.\n${USAGE}`,
    );
  }
  return config.layers.filter(
    (l) =>
      (options.names.length === 0 || options.names.includes(l.name)) &&
      (options.architecture === undefined || l.architectures[0] === options.architecture),
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function folderBytes(dir: string): number {
  return fs.existsSync(dir) ? listTree(dir).reduce((n, rel) => n + fs.statSync(path.join(dir, rel)).size, 0) : 0;
}

runTool(async () => {
  const options = parseArgs(process.argv.slice(2));
  const config = loadProjectConfig();
  const layers = selectLayers(config, options);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  if (layers.length === 0) {
    log(`No layer to build${options.architecture ? ` for ${options.architecture}` : ''}.`);
    return 0;
  }

  let engine: ContainerEngine | undefined;
  if (options.container) {
    try {
      engine = findContainerEngine({ requested: options.engine, pathEnv: process.env.PATH });
    } catch (error) {
      if (!(error instanceof ContainerEngineError)) throw error;
      process.stderr.write(`\n${error.message}\n\n`);
      return 1;
    }
  }
  const container = engine && { engine, image: options.image ?? nonEmpty(process.env[IMAGE_VARIABLE]) };

  const results = new Map<string, BuildLayerResult>();
  const failures: string[] = [];
  for (const layer of layers) {
    try {
      results.set(
        layer.name,
        await buildLayer(layer, {
          projectRoot: PROJECT_ROOT,
          force: options.force,
          python: process.env.PYTHON,
          container,
          log,
        }),
      );
    } catch (error) {
      if (!(error instanceof LayerBuildError)) throw error;
      failures.push(error.message);
    }
  }

  // Checks across layers, on what is built (or, for a layer not built here, its source).
  const pythonDirOf = (layer: string) =>
    fs.existsSync(path.join(layerBuildDir(PROJECT_ROOT, layer), 'python'))
      ? path.join(layerBuildDir(PROJECT_ROOT, layer), 'python')
      : path.join(layerSourceDir(PROJECT_ROOT, layer), 'python');
  const built = config.functions.filter((fn) => fn.layers.some((l) => results.has(l)));
  failures.push(...shadowingProblems(built, pythonDirOf));
  for (const fn of built) {
    const total =
      folderBytes(functionCodeDir(PROJECT_ROOT, fn.name)) +
      fn.layers.reduce((n, l) => n + folderBytes(pythonDirOf(l)), 0);
    if (total > LAMBDA_UNZIPPED_LIMIT_BYTES) {
      failures.push(
        `Function "${fn.name}" with its layers (${fn.layers.join(', ')}) is ${formatBytes(total)} unzipped, over Lambda's ` +
          `${formatBytes(LAMBDA_UNZIPPED_LIMIT_BYTES)}. Fix: slim the layers it uses, or give it fewer.`,
      );
    }
  }

  log('');
  log('layer            status      packages  unzipped    fingerprint');
  for (const layer of layers) {
    const result = results.get(layer.name);
    const m = result?.manifest;
    log(
      `${layer.name.padEnd(16)} ${(result ? (result.skipped ? 'up to date' : 'built') : 'FAILED').padEnd(11)} ` +
        `${String(m?.packages.length ?? '-').padStart(8)}  ${(m ? formatBytes(m.unzippedBytes) : '-').padStart(9)}   ${m?.fingerprint ?? '-'}`,
    );
  }
  for (const warning of [...results.values()].flatMap((r) => r.warnings)) log(`\nwarning: ${warning}`);
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.join('\n\n')}\n\n`);
    return 1;
  }
  return 0;
});
