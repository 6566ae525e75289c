/**
 * The layer builder: turns `layers/<layer>` (own code in `python/`, third-party packages in `requirements.txt`)
 * into `build/layers/<layer>/python`, a tree Lambda can mount at `/opt/python`, built for the layer's runtime and
 * architecture wherever it runs, byte-identical for the same inputs, checked before anything is deployed.
 * The pipeline's CodeBuild step and people on their laptops run the same code: `npm run build:layers`.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { LayerConfig } from '../config/layers-config';
import {
  buildImageFor,
  ContainerBuildOptions,
  CONTAINER_PATHS,
  containerPlatform,
  containerRunArgv,
  explainEngineFailure,
} from './container-build';
import { builtFingerprint, listTree, sourceFingerprint } from '../layer-content/layer-fingerprint';
import { LayerManifest, LayerPackage, MANIFEST_FILE } from '../layer-content/layer-manifest';
import { hasRequirements, readManifest } from '../layer-content/layer-source';
import { layerFolderProblems } from '../config/layers-config';
import { explainHashProblems, parseHashProblems } from './pip-hashes';
import { isIgnoredEntry, layerBuildDir, layersBuildRoot, layerSourceDir } from '../config/project-layout';
import { pythonVersionOf } from '../config/runtimes';
import { manifestPlatform, pipPlatforms, unsupportedTargets } from './wheel-tags';

/** Bumped whenever the builder's output for the same inputs changes: every layer is then rebuilt. */
export const BUILDER_VERSION = '2';

/** Lambda's limit on the unzipped size of a function and all its layers. */
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;

/** Distributions the Python runtime already provides: a layer that ships them shadows the runtime's. */
export const RUNTIME_PROVIDED = ['boto3', 'botocore', 's3transfer', 'jmespath', 'urllib3', 'dateutil', 'six'];

/** A build that cannot go on: one paragraph that names the layer, what went wrong and what to do. */
export class LayerBuildError extends Error {
  constructor(
    readonly layer: string,
    message: string,
  ) {
    super(`Layer "${layer}": ${message}`);
    this.name = 'LayerBuildError';
  }
}

/** Options of {@link buildLayer}. */
export interface BuildLayerOptions {
  readonly projectRoot: string;
  /** Rebuild even when the existing build is current. */
  readonly force?: boolean;
  /**
   * The Python interpreter that runs pip.
   * @default 'python3'
   */
  readonly python?: string;
  /** Receives progress lines. */
  readonly log?: (line: string) => void;
  /**
   * The largest unzipped layer allowed.
   * @default LAMBDA_UNZIPPED_LIMIT_BYTES
   */
  readonly unzippedLimitBytes?: number;
  /**
   * Builds the packages inside the Lambda build image of the layer's runtime and architecture, where pip may build
   * source distributions, instead of asking pip on this machine for Lambda's platform. Everything else is the same.
   * @default a native build
   */
  readonly container?: ContainerBuildOptions;
}

/** What a build did. */
export interface BuildLayerResult {
  readonly manifest: LayerManifest;
  /** True when the existing build was current and nothing was done. */
  readonly skipped: boolean;
  /** Things worth knowing that do not stop the build (a layer that ships boto3, say). */
  readonly warnings: readonly string[];
}

/**
 * Builds one layer into `build/layers/<layer>`, in a temporary folder first: a failed build leaves the previous
 * good build in place.
 */
export async function buildLayer(layer: LayerConfig, options: BuildLayerOptions): Promise<BuildLayerResult> {
  const log = options.log ?? (() => undefined);
  const { projectRoot } = options;
  const problems = layerFolderProblems(projectRoot, layer.name);
  if (problems.length > 0) {
    throw new LayerBuildError(layer.name, `${problems[0].message}. Fix: ${problems[0].fix}.`);
  }
  const sourceDir = layerSourceDir(projectRoot, layer.name);
  const outDir = layerBuildDir(projectRoot, layer.name);
  const source = sourceFingerprint(sourceDir, layer);

  const current = currentBuild(outDir, source);
  if (current && !options.force) {
    log(`[${layer.name}] up to date (fingerprint ${current.fingerprint}); nothing to do`);
    return { manifest: current, skipped: true, warnings: warningsOf(current) };
  }

  fs.mkdirSync(layersBuildRoot(projectRoot), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(layersBuildRoot(projectRoot), `.tmp-${layer.name}-`));
  try {
    const python = path.join(tmp, 'python');
    const requirements = path.join(sourceDir, 'requirements.txt');
    if (hasRequirements(requirements) && options.container) {
      await containerPipInstall(layer, sourceDir, tmp, options.container, log);
      fs.renameSync(path.join(tmp, 'site'), python);
    } else if (hasRequirements(requirements)) {
      await pipInstall(layer, requirements, path.join(tmp, 'site'), options.python ?? 'python3', log);
      fs.renameSync(path.join(tmp, 'site'), python);
    } else {
      log(`[${layer.name}] no requirements.txt packages: own code only`);
      fs.mkdirSync(python);
    }
    normalize(python);
    copyOwnCode(layer.name, path.join(sourceDir, 'python'), python);
    const packages = checkDistributions(layer, python);
    checkNoAbsolutePaths(layer.name, python, options.container ? [tmp, CONTAINER_PATHS.out] : [tmp]);
    const files = listTree(python);
    const unzippedBytes = files.reduce((n, rel) => n + fs.statSync(path.join(python, rel)).size, 0);
    const limit = options.unzippedLimitBytes ?? LAMBDA_UNZIPPED_LIMIT_BYTES;
    if (unzippedBytes > limit) {
      throw new LayerBuildError(
        layer.name,
        `unzipped it is ${formatBytes(unzippedBytes)}, over the limit of ${formatBytes(limit)} ` +
          'for a function and all its layers. Fix: drop packages the functions do not import, or split the layer.',
      );
    }
    const manifest: LayerManifest = {
      formatVersion: 1,
      layer: layer.name,
      builderVersion: BUILDER_VERSION,
      sourceFingerprint: source,
      fingerprint: builtFingerprint(tmp, layer),
      runtimes: layer.runtimes,
      architectures: layer.architectures,
      pythonVersion: pythonVersionOf(layer.runtimes[0]),
      platform: manifestPlatform(layer.runtimes[0], layer.architectures[0]),
      packages,
      unzippedBytes,
      fileCount: files.length,
    };
    fs.writeFileSync(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    swapInto(tmp, outDir);
    log(
      `[${layer.name}] built: ${packages.length} package(s), ${formatBytes(unzippedBytes)} unzipped, fingerprint ${manifest.fingerprint}`,
    );
    return { manifest, skipped: false, warnings: warningsOf(manifest) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The existing build's manifest when it is current: same source, same builder, content untouched. */
function currentBuild(outDir: string, source: string): LayerManifest | undefined {
  const manifest = readManifest(path.join(outDir, MANIFEST_FILE));
  const current =
    manifest?.builderVersion === BUILDER_VERSION &&
    manifest.sourceFingerprint === source &&
    fs.existsSync(path.join(outDir, 'python')) &&
    builtFingerprint(outDir, manifest) === manifest.fingerprint;
  return current ? manifest : undefined;
}

/** pip, asked for Lambda's platform whatever machine this is; pip's own PIP_* variables pass through. */
async function pipInstall(
  layer: LayerConfig,
  requirements: string,
  target: string,
  python: string,
  log: (line: string) => void,
) {
  const runtime = layer.runtimes[0];
  const platforms = pipPlatforms(runtime, layer.architectures[0]);
  const args = [
    '-m',
    'pip',
    'install',
    '--requirement',
    requirements,
    '--target',
    target,
    ...platforms.flatMap((p) => ['--platform', p]),
    '--implementation',
    'cp',
    '--python-version',
    pythonVersionOf(runtime),
    '--only-binary=:all:',
    '--no-compile',
    '--no-user',
    '--disable-pip-version-check',
    '--no-warn-script-location',
    '--progress-bar',
    'off',
  ];
  log(`[${layer.name}] pip install -r layers/${layer.name}/requirements.txt for ${runtime} on ${platforms.join(', ')}`);
  const { code, output } = await run(python, args, (line) => log(`[${layer.name}]   ${line}`), {
    cannotRun: (error) =>
      new LayerBuildError(
        layer.name,
        `cannot run ${python}: ${error.message}. Fix: install Python 3 with pip, or set PYTHON.`,
      ),
  });
  if (code !== 0) throw new LayerBuildError(layer.name, explainPipFailure(output, runtime, platforms));
}

/**
 * pip inside the build image of the layer's runtime and architecture, writing `<tmp>/site` through a mount; pip's
 * own PIP_* variables pass through, with the folders and files they name mounted.
 */
async function containerPipInstall(
  layer: LayerConfig,
  sourceDir: string,
  tmp: string,
  container: ContainerBuildOptions,
  log: (line: string) => void,
) {
  const runtime = layer.runtimes[0];
  const architecture = layer.architectures[0];
  const image = buildImageFor(runtime, container.image);
  const env = container.env ?? process.env;
  const user = container.user === undefined ? currentUser() : container.user === null ? undefined : container.user;
  const { engine } = container;
  const [command, ...args] = containerRunArgv({
    engine,
    image,
    architecture,
    layerDir: sourceDir,
    outDir: tmp,
    env,
    user,
  });
  log(
    `[${layer.name}] pip install -r layers/${layer.name}/requirements.txt for ${runtime} in ${image} ` +
      `(${containerPlatform(architecture)}, ${engine.name})`,
  );
  const { code, output } = await run(command, args, (line) => log(`[${layer.name}]   ${line}`), {
    env,
    cannotRun: (error) =>
      new LayerBuildError(
        layer.name,
        `cannot run ${engine.name} (${command}): ${error.message}. Fix: check that ${engine.name} is installed and runs.`,
      ),
  });
  if (code !== 0) {
    throw new LayerBuildError(
      layer.name,
      explainEngineFailure(output, code, { engine, image, architecture }) ??
        explainPipFailure(output, runtime, [containerPlatform(architecture)], { image }),
    );
  }
}

/** The user who runs the build, so that what the container writes is theirs (undefined where ids do not exist). */
function currentUser(): { uid: number; gid: number } | undefined {
  return process.getuid && process.getgid ? { uid: process.getuid(), gid: process.getgid() } : undefined;
}

/**
 * One paragraph out of pip's output: which package, which platform, what to do. `container` says pip ran inside
 * that build image, where it may build from source.
 */
export function explainPipFailure(
  output: string,
  runtime: string,
  platforms: string[],
  container?: { readonly image: string },
): string {
  const target = `${runtime} (CPython ${pythonVersionOf(runtime)}) on ${platforms.join(' / ')}`;
  const hashes = parseHashProblems(output);
  if (hashes) {
    return explainHashProblems(hashes, {
      pythonVersion: pythonVersionOf(runtime),
      platforms: container ? undefined : platforms,
    });
  }
  const invalid = /Invalid requirement: '?([^'\n]*)'?/.exec(output);
  if (invalid) {
    return `requirements.txt has a line pip cannot read: "${invalid[1]}". Fix: write one requirement per line, e.g. "orjson==3.10.15".`;
  }
  if (
    /NewConnectionError|Failed to establish a new connection|Name or service not known|Temporary failure in name resolution|Connection refused|ConnectTimeout|Max retries exceeded/i.test(
      output,
    )
  ) {
    const indexes = /Looking in indexes: (.*)/.exec(output)?.[1];
    return (
      `pip could not reach the package index${indexes ? ` (${indexes.trim()})` : ''}. Fix: check the network, or point pip at a reachable index with PIP_INDEX_URL, ` +
      'or at a folder of wheels with PIP_NO_INDEX=1 and PIP_FIND_LINKS=<folder>.'
    );
  }
  const missing = /No matching distribution found for ([^\s]+)/.exec(output);
  const lastError = output
    .split('\n')
    .filter((l) => l.startsWith('ERROR:'))
    .pop();
  if (container) {
    if (missing) {
      return (
        `no distribution of ${missing[1]}, wheel or source, fits ${target} in ${container.image}. ` +
        'Fix: check the name and version, and PIP_INDEX_URL / PIP_FIND_LINKS (to build a source distribution, its build ' +
        'requirements, such as setuptools, must be found there too).'
      );
    }
    const failed =
      /Failed building wheel for ([^\s]+)/.exec(output)?.[1] ??
      /Failed to build (?:installable wheels for some pyproject\.toml based projects )?\(?([^\s)]+)/.exec(output)?.[1];
    if (failed || /subprocess-exited-with-error|metadata-generation-failed/.test(output)) {
      return (
        `pip could not build ${failed ?? 'a package'} from source in ${container.image}` +
        `${lastError ? ` (${lastError.replace(/^ERROR:\s*/, '')})` : ''}. Fix: read pip's output above; a package that ` +
        "compiles may need tools or libraries the image lacks (use an --image that has them), or pin a version that publishes a wheel for Lambda's platform."
      );
    }
  }
  if (missing) {
    return (
      `no wheel of ${missing[1]} fits ${target}. The layer is built for Lambda, so only binary wheels for that platform can be used. ` +
      'Fix: pin a version of the package that publishes such a wheel, choose another runtime or architecture for the layer, ' +
      'or, if your index serves them, check PIP_INDEX_URL / PIP_FIND_LINKS.'
    );
  }
  return `pip failed${lastError ? `: ${lastError.replace(/^ERROR:\s*/, '')}` : ''}. Fix: run the pip command above by hand to see why.`;
}

/** Removes what makes builds differ between runs and machines, or cannot run on Lambda. */
function normalize(dir: string) {
  const walk = (abs: string) => {
    for (const name of fs.readdirSync(abs)) {
      const full = path.join(abs, name);
      const stat = fs.lstatSync(full);
      if (isIgnoredEntry(name) || name === 'direct_url.json') {
        fs.rmSync(full, { recursive: true, force: true });
      } else if (stat.isDirectory()) {
        fs.chmodSync(full, 0o755);
        walk(full);
      } else {
        fs.chmodSync(full, stat.mode & 0o111 ? 0o755 : 0o644);
      }
    }
  };
  // Console scripts carry the absolute path of the interpreter that ran pip; Lambda never runs them.
  fs.rmSync(path.join(dir, 'bin'), { recursive: true, force: true });
  walk(dir);
  pruneRecords(dir);
}

/**
 * Drops from each installed distribution's RECORD the files the layer does not ship (console scripts, install
 * records): their hashes hold the path of the interpreter that ran pip, so two machines would build two RECORDs.
 */
function pruneRecords(dir: string) {
  for (const entry of fs.readdirSync(dir).filter((n) => n.endsWith('.dist-info'))) {
    const record = path.join(dir, entry, 'RECORD');
    if (!fs.existsSync(record)) continue;
    const lines = fs.readFileSync(record, 'utf8').split('\n');
    const kept = lines.filter((line) => {
      if (line === '') return true;
      const quoted = /^"((?:[^"]|"")*)"/.exec(line);
      const file = quoted ? quoted[1].replace(/""/g, '"') : line.split(',')[0];
      const full = path.resolve(dir, file);
      return full.startsWith(dir + path.sep) && fs.existsSync(full);
    });
    if (kept.length !== lines.length) fs.writeFileSync(record, kept.join('\n'));
  }
}

/** The layer's own modules go beside the packages; one that has a package's name would shadow it. */
function copyOwnCode(layer: string, from: string, to: string) {
  for (const name of fs.readdirSync(from).sort()) {
    if (isIgnoredEntry(name)) continue;
    if (fs.existsSync(path.join(to, name))) {
      throw new LayerBuildError(
        layer,
        `its own python/${name} has the name of an installed package's file or folder, so one would overwrite the other. ` +
          'Fix: rename the module, or drop the package from requirements.txt.',
      );
    }
    fs.cpSync(path.join(from, name), path.join(to, name), {
      recursive: true,
      filter: (src) => !isIgnoredEntry(path.basename(src)),
    });
  }
  normalize(to);
}

/** Every installed distribution, checked against every runtime and architecture the layer declares. */
function checkDistributions(layer: LayerConfig, python: string): LayerPackage[] {
  const packages: LayerPackage[] = [];
  const problems: string[] = [];
  for (const entry of fs
    .readdirSync(python)
    .filter((n) => n.endsWith('.dist-info'))
    .sort()) {
    const metadata = readKeyValues(path.join(python, entry, 'METADATA'));
    const wheel = readKeyValues(path.join(python, entry, 'WHEEL'));
    const name = metadata.get('Name')?.[0] ?? entry.replace(/-[^-]*\.dist-info$/, '');
    const version = metadata.get('Version')?.[0] ?? 'unknown';
    const tags = wheel.get('Tag') ?? [];
    for (const { runtime, architecture } of unsupportedTargets(tags, layer.runtimes, layer.architectures)) {
      problems.push(
        `${name} ${version} (wheel tags ${tags.join(', ') || 'none'}) cannot run on ${runtime} ${architecture}`,
      );
    }
    packages.push({ name, version, tags });
  }
  if (problems.length > 0) {
    throw new LayerBuildError(
      layer.name,
      `${problems.join('; ')}. Fix: pin versions that publish wheels for every runtime and architecture of the layer ` +
        '(abi3 or pure-Python wheels serve several), or narrow config.layers.' +
        layer.name +
        '.runtimes / architectures to what the wheels support.',
    );
  }
  return packages.sort((a, b) => a.name.localeCompare(b.name));
}

function readKeyValues(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line === '') break; // the headers end at the first blank line (METADATA's body follows)
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (m) out.set(m[1], [...(out.get(m[1]) ?? []), m[2].trim()]);
  }
  return out;
}

/** A build that mentions the folder it was built in would differ from a build made anywhere else. */
function checkNoAbsolutePaths(layer: string, python: string, buildDirs: readonly string[]) {
  const needles = buildDirs.map((d) => Buffer.from(d));
  const offenders = listTree(python).filter((rel) => {
    const bytes = fs.readFileSync(path.join(python, rel));
    return needles.some((n) => bytes.includes(n));
  });
  if (offenders.length > 0) {
    throw new LayerBuildError(
      layer,
      `${offenders.slice(0, 5).join(', ')} contain the build folder's absolute path, so the build would differ from machine to machine. ` +
        'Fix: report it; the builder must strip it.',
    );
  }
}

/** Replaces the previous build with the new one, so that at no moment is a half-built layer in place. */
function swapInto(tmp: string, outDir: string) {
  const old = `${outDir}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(outDir)) fs.renameSync(outDir, old);
  fs.renameSync(tmp, outDir);
  fs.rmSync(old, { recursive: true, force: true });
}

function warningsOf(manifest: LayerManifest): string[] {
  const shipped = manifest.packages.map((p) => p.name.toLowerCase().replace(/_/g, '-'));
  const shadowed = RUNTIME_PROVIDED.filter(
    (n) => shipped.includes(n) || (n === 'dateutil' && shipped.includes('python-dateutil')),
  );
  return shadowed.length > 0
    ? [
        `Layer "${manifest.layer}" ships ${shadowed.join(', ')}, which shadow${shadowed.length === 1 ? 's' : ''} the runtime's own copy: ` +
          "fine when you pin it on purpose; otherwise drop it from requirements.txt and use the runtime's.",
      ]
    : [];
}

/**
 * Layers used together by a function must not ship the same top-level module: Lambda merges them into /opt, and
 * the later layer's files would silently replace the earlier one's.
 */
export function shadowingProblems(
  functions: readonly { readonly name: string; readonly layers: readonly string[] }[],
  pythonDirOf: (layer: string) => string,
): string[] {
  const names = new Map<string, string[]>();
  const namesOf = (layer: string) => {
    if (!names.has(layer)) names.set(layer, topLevelNames(pythonDirOf(layer)));
    return names.get(layer)!;
  };
  const problems: string[] = [];
  for (const fn of functions) {
    for (let i = 0; i < fn.layers.length; i++) {
      for (let j = i + 1; j < fn.layers.length; j++) {
        const shared = namesOf(fn.layers[i]).filter((n) => namesOf(fn.layers[j]).includes(n));
        if (shared.length > 0) {
          problems.push(
            `Layers "${fn.layers[i]}" and "${fn.layers[j]}", both used by function "${fn.name}", both ship ${shared.join(', ')}: ` +
              `Lambda mounts them into one /opt/python, so "${fn.layers[j]}"'s copy would shadow "${fn.layers[i]}"'s. ` +
              'Fix: keep each module in one layer (move the package to the layer both use, or rename the module).',
          );
        }
      }
    }
  }
  return [...new Set(problems)];
}

/** Top-level importable names of a tree (modules, packages), to find layers that shadow each other. */
export function topLevelNames(python: string): string[] {
  return fs
    .readdirSync(python)
    .filter(
      (n) =>
        !isIgnoredEntry(n) && !n.endsWith('.dist-info') && !n.endsWith('.data') && !n.endsWith('.pth') && n !== 'bin',
    )
    .map((n) =>
      n
        .replace(/\.(py|so|pyd)$/, '')
        .replace(/\.cpython-.*$/, '')
        .replace(/\.abi3$/, ''),
    )
    .filter((n, i, all) => all.indexOf(n) === i)
    .sort();
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

/** Runs a command, streaming its output by line, and returns its exit code and whole output. */
function run(
  command: string,
  args: string[],
  onLine: (line: string) => void,
  options: { readonly env?: NodeJS.ProcessEnv; readonly cannotRun: (error: Error) => LayerBuildError },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let pending = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.filter((l) => l.trim() !== '').forEach(onLine);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => reject(options.cannotRun(error)));
    child.on('close', (code) => {
      if (pending.trim() !== '') onLine(pending);
      resolve({ code: code ?? 1, output });
    });
  });
}
