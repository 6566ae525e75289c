/**
 * A container build of a layer's packages: pip runs inside the Lambda build image of the layer's runtime and
 * architecture (the AWS SAM build images, Amazon Linux 2023 like Lambda), so a package that publishes no wheel for
 * Lambda's platform can be built from its source distribution. The container only fills `<build folder>/site`;
 * the layer builder does everything else (layout, normalisation, checks, manifest, swap) as for a native build.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ContainerEngine } from './container-engine';
import type { Architecture } from '../config/runtimes';
import { pythonVersionOf } from '../config/runtimes';

/**
 * The build image of a runtime, `{python}` standing for its version (`3.13`) and `{runtime}` for its name
 * (`python3.13`). The images are multi-architecture: `--platform` picks one.
 */
export const DEFAULT_BUILD_IMAGE = 'public.ecr.aws/sam/build-python{python}';

/**
 * pip's installation report, written beside `site/` in the builder's temporary folder (read for the SBOM, then
 * removed: it holds the paths and addresses pip installed from).
 */
export const PIP_REPORT_FILE = 'pip-report.json';

/** The options of every pip install of a layer, on the host or in a container: no bytecode, no user site, quiet. */
export const PIP_INSTALL_QUIET = [
  '--no-compile',
  '--no-user',
  '--disable-pip-version-check',
  '--no-warn-script-location',
  '--progress-bar',
  'off',
] as const;

/** Where the container sees the host's folders and files. */
export const CONTAINER_PATHS = {
  /** The layer's source folder (`layers/<layer>`), read-only. */
  layer: '/build/layer',
  /** The builder's temporary build folder; pip writes `site/` in it. */
  out: '/build/out',
  /** Each local folder of `PIP_FIND_LINKS`, read-only, numbered in order. */
  findLinks: '/build/find-links',
  /** Files named by pip's variables (`PIP_CONFIG_FILE`, `PIP_CERT`, ...), read-only. */
  files: '/build/pip',
} as const;

/** pip variables that name a file on the host: the file is mounted and the variable points at the mount. */
const FILE_VARIABLES = ['PIP_CONFIG_FILE', 'PIP_CERT', 'PIP_CLIENT_CERT', 'PIP_CONSTRAINT'];

/** pip variables that name a host folder the container has no business with (its pip has its own cache). */
const HOST_ONLY_VARIABLES = ['PIP_CACHE_DIR', 'PIP_TARGET', 'PIP_PREFIX', 'PIP_ROOT', 'PIP_SRC'];

/** Options of a container build (`BuildLayerOptions.container`). */
export interface ContainerBuildOptions {
  readonly engine: ContainerEngine;
  /**
   * The image, `{python}` and `{runtime}` filled per layer: a private mirror of the build images, say.
   * @default DEFAULT_BUILD_IMAGE
   */
  readonly image?: string;
  /**
   * The environment the engine runs with; its `PIP_*` variables pass into the container.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The user the container runs as; `null` for the image's own (root).
   * @default the user who runs the build
   */
  readonly user?: { readonly uid: number; readonly gid: number } | null;
}

/** The image for a runtime: the override (a private mirror) or {@link DEFAULT_BUILD_IMAGE}, placeholders filled. */
export function buildImageFor(runtime: string, override?: string): string {
  return (override ?? DEFAULT_BUILD_IMAGE)
    .replace(/\{python\}/g, pythonVersionOf(runtime))
    .replace(/\{runtime\}/g, runtime);
}

/** The container platform of a Lambda architecture. */
export function containerPlatform(architecture: Architecture): string {
  return architecture === 'arm64' ? 'linux/arm64' : 'linux/amd64';
}

/** What {@link containerRunArgv} needs to know. */
export interface ContainerRunSpec {
  readonly engine: ContainerEngine;
  /** The image reference, placeholders already filled ({@link buildImageFor}). */
  readonly image: string;
  readonly architecture: Architecture;
  /** The layer's source folder on the host (`layers/<layer>`, holding `requirements.txt`). */
  readonly layerDir: string;
  /** The builder's temporary folder on the host; the packages land in its `site/`. */
  readonly outDir: string;
  /** The environment the engine runs with: its `PIP_*` variables pass into the container. */
  readonly env: NodeJS.ProcessEnv;
  /**
   * The user the container runs as, so that what it writes belongs to the user who runs the build.
   * @default none: the image's user (root)
   */
  readonly user?: { readonly uid: number; readonly gid: number };
  /**
   * The working folder relative `PIP_*` paths are resolved from.
   * @default process.cwd()
   */
  readonly cwd?: string;
}

/**
 * The exact command line of a container build: `<engine> run` with its flags, mounts, platform, environment, image
 * and the pip command. Variables without a host path are passed by name only (`-e PIP_INDEX_URL`): the engine takes
 * the value from its own environment, so an index URL with a token never shows on a command line.
 */
export function containerRunArgv(spec: ContainerRunSpec): string[] {
  const mounts: string[] = [
    '-v',
    `${spec.layerDir}:${CONTAINER_PATHS.layer}:ro`,
    '-v',
    `${spec.outDir}:${CONTAINER_PATHS.out}`,
  ];
  const env: string[] = ['-e', 'HOME=/tmp'];
  const cwd = spec.cwd ?? process.cwd();
  for (const name of Object.keys(spec.env)
    .filter((n) => n.startsWith('PIP_') && spec.env[n] !== undefined)
    .sort()) {
    const value = spec.env[name]!;
    if (HOST_ONLY_VARIABLES.includes(name)) continue;
    if (name === 'PIP_FIND_LINKS') {
      const entries = value.split(/\s+/).filter((e) => e !== '');
      const rewritten = entries.map((entry, i) => {
        const local = localPath(entry, cwd);
        if (local === undefined || !fs.existsSync(local)) return entry;
        const inside = `${CONTAINER_PATHS.findLinks}/${i}`;
        mounts.push('-v', `${local}:${inside}:ro`);
        return inside;
      });
      env.push('-e', `${name}=${rewritten.join(' ')}`);
    } else if (FILE_VARIABLES.includes(name) && isMountableFile(path.resolve(cwd, value))) {
      const inside = `${CONTAINER_PATHS.files}/${name.slice('PIP_'.length).toLowerCase().replace(/_/g, '-')}`;
      mounts.push('-v', `${path.resolve(cwd, value)}:${inside}:ro`);
      env.push('-e', `${name}=${inside}`);
    } else {
      env.push('-e', name);
    }
  }
  const user: string[] = [];
  if (spec.user) {
    user.push('--user', `${spec.user.uid}:${spec.user.gid}`);
    // Rootless Podman maps the user's own id to root in the container; keep-id maps it to itself instead.
    if (spec.engine.name === 'podman' && spec.user.uid !== 0) user.push('--userns=keep-id');
  }
  return [
    spec.engine.command,
    'run',
    '--rm',
    '--platform',
    containerPlatform(spec.architecture),
    ...user,
    ...mounts,
    '-w',
    CONTAINER_PATHS.out,
    ...env,
    spec.image,
    ...containerPipCommand(),
  ];
}

/** pip inside the image: its Python is the runtime's, its platform Lambda's, so no `--platform` and no `--only-binary`. */
export function containerPipCommand(): string[] {
  return [
    'python3',
    '-m',
    'pip',
    'install',
    '--requirement',
    `${CONTAINER_PATHS.layer}/requirements.txt`,
    '--target',
    `${CONTAINER_PATHS.out}/site`,
    '--report',
    `${CONTAINER_PATHS.out}/${PIP_REPORT_FILE}`,
    ...PIP_INSTALL_QUIET,
  ];
}

/** `/a/b`, `./b`, `file:///a/b` -> a host path; `https://...` -> undefined. */
function localPath(entry: string, cwd: string): string | undefined {
  if (entry.startsWith('file://')) return decodeURIComponent(new URL(entry).pathname);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return undefined;
  return path.resolve(cwd, entry);
}

/** A regular file (not `/dev/null`, which every image has). */
function isMountableFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** What a container build needs to explain an engine's failure. */
export interface ContainerFailureContext {
  readonly engine: ContainerEngine;
  readonly image: string;
  readonly architecture: Architecture;
}

/**
 * One paragraph for a failure of the engine rather than of pip (the engine cannot run, cannot pull the image, the
 * image cannot run here or has no Python); undefined when the container ran and pip failed.
 */
export function explainEngineFailure(
  output: string,
  code: number,
  { engine, image, architecture }: ContainerFailureContext,
): string | undefined {
  const errorLines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('ERROR:') && /error|cannot|denied|not found|fatal/i.test(l));
  const reason = (pattern: RegExp) => {
    const line = errorLines.filter((l) => pattern.test(l)).pop();
    return line === undefined ? '' : ` (${line.replace(/^(\w+: )?(Error( response from daemon)?: )?/, '')})`;
  };
  const daemon =
    /Cannot connect to the Docker daemon|Is the docker daemon running|Cannot connect to Podman|unable to connect to Podman|error during connect|virtual machine is not running|instance "?finch"? (is|does) not/i;
  if (errorLines.some((l) => daemon.test(l))) {
    return (
      `${engine.name} is installed but cannot run containers${reason(daemon)}. Fix: start it (Docker Desktop or ` +
      "the docker service; 'podman machine start'; 'finch vm start'), or use another engine with --engine."
    );
  }
  const noPlatform = /no matching manifest|no match for platform|image with reference .* was found but does not match/i;
  if (errorLines.some((l) => noPlatform.test(l))) {
    return (
      `the image ${image} has no ${containerPlatform(architecture)} variant${reason(noPlatform)}. ` +
      'Fix: use a multi-architecture image, or one built for that platform: --image <ref> or LAYER_BUILD_IMAGE=<ref>.'
    );
  }
  const pull =
    /pull|manifest unknown|failed to resolve|initializing source|pinging container registry|repository does not exist|requested access to the resource is denied|no such host|unauthorized/i;
  if ((code === 125 || engine.name === 'finch') && errorLines.some((l) => pull.test(l))) {
    return (
      `${engine.name} could not pull the image ${image}${reason(pull)}. Fix: check the network, and log in if the ` +
      `registry needs it ('${engine.name} login'); or use a copy of the image in a registry you can reach, or one already ` +
      'on this machine: --image <ref> or LAYER_BUILD_IMAGE=<ref> ("{python}" in it stands for the runtime\'s version, e.g. 3.13).'
    );
  }
  if (/exec format error/i.test(output)) {
    return (
      `the ${containerPlatform(architecture)} image ${image} cannot run on this ${process.arch} machine (exec format error). ` +
      `Fix: let ${engine.name} emulate other CPUs (QEMU user emulation with binfmt_misc; Docker Desktop has it), ` +
      `or build ${architecture} layers on an ${architecture} machine.`
    );
  }
  if (code === 126 || code === 127) {
    return (
      `the image ${image} could not start python3${reason(/python3|executable|not found/i)}. ` +
      'Fix: use a build image of a Python runtime, with python3 and pip on its PATH: --image <ref> or LAYER_BUILD_IMAGE=<ref>.'
    );
  }
  if (code === 125) {
    return `${engine.name} could not start the container${reason(/./)}. Fix: run the ${engine.name} command above by hand to see why.`;
  }
  return undefined;
}
