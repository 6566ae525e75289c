/**
 * How the layer builder installs a layer's requirements: pip on this machine, asked for Lambda's platform, or pip
 * inside the Lambda build image of the layer's runtime and architecture (a container engine); and what a failure of
 * either means, in words.
 */
import { spawn } from 'child_process';
import type { LayerConfig } from '../config/layers-config';
import { pythonVersionOf } from '../config/runtimes';
import {
  buildImageFor,
  ContainerBuildOptions,
  containerPlatform,
  containerRunArgv,
  explainEngineFailure,
  PIP_INSTALL_QUIET,
} from './container-build';
import { LayerBuildError } from './layer-build-error';
import { explainHashProblems, parseHashProblems } from './pip-hashes';
import { pipPlatforms } from './wheel-tags';

/** pip, asked for Lambda's platform whatever machine this is; pip's own PIP_* variables pass through. */
export async function pipInstall(
  layer: LayerConfig,
  requirements: string,
  target: string,
  python: string,
  log: (line: string) => void,
  report: string,
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
    // The installation report: which wheel pip installed for each distribution, and its hash (the SBOM's).
    '--report',
    report,
    ...platforms.flatMap((p) => ['--platform', p]),
    '--implementation',
    'cp',
    '--python-version',
    pythonVersionOf(runtime),
    '--only-binary=:all:',
    ...PIP_INSTALL_QUIET,
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
export async function containerPipInstall(
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
  const offered = /Could not find a version that satisfies the requirement (\S+) \(from versions: ([^)]*)\)/.exec(
    output,
  );
  if (missing && offered && offered[2].trim() !== 'none') {
    // The index has the package, for this platform, but not the version asked for: a typo or a yanked release.
    const versions = offered[2].split(',').map((v) => v.trim());
    const newest = versions.slice(-5);
    return (
      `${offered[1]} asks for a version the index does not have: it offers ${versions.length > 5 ? '..., ' : ''}${newest.join(', ')} ` +
      `(${container ? `the versions the index has, for ${container.image}` : `the versions with a wheel for ${target}`}). Fix: pin one of them in requirements.txt, e.g. "${offered[1].split(/[=<>!~;[ ]/)[0]}==${newest[newest.length - 1]}".`
    );
  }
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
