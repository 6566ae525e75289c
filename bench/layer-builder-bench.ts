/**
 * 2. The layer builder on the `common` layer from an offline wheelhouse: first build, no-op rebuild, and the layer's
 *    size versus a plain `pip install -t`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadProjectConfig } from '../bin/project';
import type { LayerConfig } from '../lib/config/layers-config';
import { buildLayer } from '../lib/layer-build/layer-builder';
import { makeWheel, offlinePipEnv } from '../test/wheel-maker';
import { Options } from './options';
import { Scratch, log, median, run, timeAsync, treeBytes } from './processes';
import { Row, measured } from './rows';

export const LAYER = 'common';

/** The manylinux platform of each architecture, as wheel tags and pip's `--platform` name it. */
const MANYLINUX: Record<string, string> = { arm64: 'aarch64', x86_64: 'x86_64' };

// ---------------------------------------------------------------------------------------------------------------
// The layer builder
// ---------------------------------------------------------------------------------------------------------------

/** About `bytes` of plausible Python source, so that sizes mean something. */
function pythonSource(bytes: number): string {
  let source = '"""A stand-in for orjson, for the benchmark: plain Python of a realistic size."""\n\n';
  for (let i = 0; source.length < bytes; i++) {
    source += `def dumps_${i}(value, option=None):\n    """Serializes value #${i}."""\n    return repr(value).encode() + b"${i}"\n\n`;
  }
  return source;
}

/** pip's flags for the layer's Lambda platform: its first runtime and architecture, binary wheels only. */
function plainPipFlags(layer: LayerConfig): string[] {
  const python = layer.runtimes[0].replace(/^python/, '');
  const platform = `manylinux2014_${MANYLINUX[layer.architectures[0]]}`;
  return ['--platform', platform, '--implementation', 'cp', '--python-version', python, '--only-binary=:all:'];
}

/**
 * A folder holding a fake wheel of each package the layer's requirements pin (`name==version`), for its first
 * runtime and architecture: the layer builds offline, whatever the project's layer and its pins become.
 */
function makeWheelhouse(scratch: Scratch, projectRoot: string, layer: LayerConfig): string {
  const dir = scratch.dir('wheelhouse');
  const cp = `cp${layer.runtimes[0].replace(/^python|\./g, '')}`;
  const arch = MANYLINUX[layer.architectures[0]];
  const requirements = fs.readFileSync(path.join(projectRoot, 'layers', layer.name, 'requirements.txt'), 'utf8');
  for (const [, name, version] of requirements.matchAll(/^([A-Za-z0-9_.-]+)==([^\s;#]+)/gm)) {
    const module = name.toLowerCase().replace(/[-.]/g, '_');
    makeWheel(dir, {
      name: module,
      version,
      tag: `${cp}-${cp}-manylinux_2_17_${arch}.manylinux2014_${arch}`,
      files: { [`${module}/__init__.py`]: pythonSource(200 * 1024) },
    });
  }
  return dir;
}

/** Runs `fn` with extra environment variables (the builder's pip inherits them), restoring them afterwards. */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function layerConfig(projectRoot: string, name: string): LayerConfig {
  const layer = loadProjectConfig(projectRoot).layers.find((l) => l.name === name);
  if (!layer) throw new Error(`cdk.json declares no layer "${name}"`);
  return layer;
}

/** Size of a plain `pip install -r requirements.txt -t <dir>` of the layer's requirements, everything pip wrote. */
function plainInstallBytes(
  projectRoot: string,
  layer: LayerConfig,
  pipEnv: Record<string, string>,
  scratch: Scratch,
): number {
  const target = path.join(scratch.dir('plain-pip'), 'site');
  const requirements = path.join(projectRoot, 'layers', LAYER, 'requirements.txt');
  run('python3', ['-m', 'pip', 'install', '-r', requirements, '-t', target, ...plainPipFlags(layer)], {
    cwd: projectRoot,
    env: pipEnv,
  });
  return treeBytes(target);
}

/** Section 2: first build and no-op rebuild of the layer, interleaved, and its size against a plain install. */
export async function benchLayerBuilder(
  options: Options,
  scratch: Scratch,
  samples: Record<string, number[]>,
): Promise<Row[]> {
  const section = 'layer builder';
  const root = scratch.projectCopy('layer-project', ['layers', 'lambda', 'cdk.json', 'package.json']);
  const layer = layerConfig(root, LAYER);
  const pipEnv = offlinePipEnv(makeWheelhouse(scratch, root, layer));

  const first: number[] = (samples['layer.firstBuild'] = []);
  const noop: number[] = (samples['layer.noopRebuild'] = []);
  let unzippedBytes = 0;
  const notSkipped: number[] = [];
  await withEnv(pipEnv, async () => {
    for (let i = 1; i <= options.runs; i++) {
      const built = await timeAsync(() => buildLayer(layer, { projectRoot: root, force: true }));
      first.push(built.seconds);
      unzippedBytes = built.result.manifest.unzippedBytes;
      const again = await timeAsync(() => buildLayer(layer, { projectRoot: root }));
      noop.push(again.seconds);
      if (!again.result.skipped) notSkipped.push(i);
      log(
        `layer run ${i}/${options.runs}: first build ${built.seconds.toFixed(2)} s, no-op ${again.seconds.toFixed(3)} s`,
      );
    }
  });
  const plainBytes = plainInstallBytes(root, layer, pipEnv, scratch);
  const KiB = 1024;
  return [
    measured(section, `layer "${LAYER}" first build (--force)`, median(first), 's'),
    measured(
      section,
      `layer "${LAYER}" no-op rebuild`,
      median(noop),
      's',
      undefined,
      notSkipped.length > 0 ? `the rebuild was not skipped in run(s) ${notSkipped.join(', ')}` : undefined,
    ),
    measured(section, 'layer ratio no-op / first build', median(noop) / median(first), 'x', { op: '<', limit: 0.1 }),
    measured(section, `layer "${LAYER}" size (manifest unzippedBytes)`, unzippedBytes / KiB, 'KiB'),
    measured(section, 'plain pip install -t size', plainBytes / KiB, 'KiB'),
    measured(section, 'size ratio layer / plain pip install', unzippedBytes / plainBytes, 'x', { op: '<=', limit: 1 }),
  ];
}
