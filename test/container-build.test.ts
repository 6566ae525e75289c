/**
 * Container builds of layers (`npm run build:layers -- --container`): the engine's command line, engine discovery
 * and its messages, the build end to end through a fake `docker` that runs the container's command on this machine,
 * and, where Podman is installed and can run a container, the build in a real container.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LayerConfig } from '../lib/config/layers-config';
import {
  buildImageFor,
  CONTAINER_PATHS,
  containerPipCommand,
  containerRunArgv,
  ContainerRunSpec,
  explainEngineFailure,
} from '../lib/layer-build/container-build';
import { ContainerEngine, ContainerEngineError, findContainerEngine } from '../lib/layer-build/container-engine';
import { buildLayer, BuildLayerOptions } from '../lib/layer-build/layer-builder';
import { LayerBuildError } from '../lib/layer-build/layer-build-error';
import { hashTree, listTree } from '../lib/layer-content/layer-fingerprint';
import type { LayerManifest } from '../lib/layer-content/layer-manifest';
import { layerBuildDir, layerSourceDir } from '../lib/config/project-layout';
import { copyProject, copyProjectWithTools, runEntryPoint, tempDir } from './helpers';
import { offlinePipEnv, wheelhouse, WheelSpec, withEnv } from './wheels';

const tinyjson: WheelSpec = {
  name: 'tinyjson',
  version: '1.0.0',
  tag: 'py3-none-any',
  files: { 'tinyjson/__init__.py': 'def dumps(v):\n    return str(v)\n', 'tinyjson/data/table.txt': 'a b c\n' },
  consoleScripts: ['tinyjson = tinyjson:dumps'],
};

const layer = (overrides: Partial<LayerConfig> = {}): LayerConfig => ({
  name: 'common',
  description: 'test layer',
  runtimes: ['python3.13'],
  architectures: ['arm64'],
  ...overrides,
});

const docker: ContainerEngine = { name: 'docker', command: '/usr/bin/docker' };
const podman: ContainerEngine = { name: 'podman', command: '/usr/bin/podman' };

/**
 * A source distribution only (no wheel), built by a backend of its own (`backend-path`), so that pip builds it
 * offline with nothing but itself: what `--container` is for.
 */
function sourceDistribution(dir: string, name: string, version: string): string {
  const script = `
import io, sys, tarfile
name, version, out = sys.argv[1:4]
backend = '''
import base64, hashlib, zipfile
NAME, VERSION = %r, %r
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist = "%%s-%%s.dist-info" %% (NAME, VERSION)
    files = {NAME + "/__init__.py": "BUILT_FROM_SOURCE = True\\\\n",
             dist + "/METADATA": "Metadata-Version: 2.1\\\\nName: %%s\\\\nVersion: %%s\\\\n" %% (NAME, VERSION),
             dist + "/WHEEL": "Wheel-Version: 1.0\\\\nGenerator: test-backend\\\\nRoot-Is-Purelib: true\\\\nTag: py3-none-any\\\\n"}
    record = []
    for path, text in sorted(files.items()):
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append("%%s,sha256=%%s,%%d" %% (path, digest, len(text.encode())))
    files[dist + "/RECORD"] = "\\\\n".join(record + [dist + "/RECORD,,"]) + "\\\\n"
    wheel = "%%s-%%s-py3-none-any.whl" %% (NAME, VERSION)
    with zipfile.ZipFile(wheel_directory + "/" + wheel, "w") as z:
        for path, text in sorted(files.items()):
            z.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), text)
    return wheel
''' % (name, version)
files = {
    "pyproject.toml": '[build-system]\\nrequires = []\\nbuild-backend = "backend"\\nbackend-path = ["."]\\n',
    "backend.py": backend,
    "PKG-INFO": "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (name, version),
}
with tarfile.open(out, "w:gz") as tar:
    for path, text in sorted(files.items()):
        data = text.encode()
        info = tarfile.TarInfo("%s-%s/%s" % (name, version, path))
        info.size = len(data)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(data))
`;
  const file = path.join(dir, `${name}-${version}.tar.gz`);
  execFileSync('python3', ['-c', script, name, version, file]);
  return file;
}

/** A copy of the fixture project whose common layer requires `requirements`. */
function projectWith(requirements: string): string {
  const root = copyProject();
  fs.writeFileSync(path.join(layerSourceDir(root, 'common'), 'requirements.txt'), requirements);
  return root;
}

const readManifest = (root: string, name = 'common'): LayerManifest =>
  JSON.parse(fs.readFileSync(path.join(layerBuildDir(root, name), 'manifest.json'), 'utf8'));

/** Every file of a built layer with its mode and bytes: what "byte-identical" compares. */
function treeSnapshot(dir: string): Record<string, { mode: string; sha: string }> {
  const out: Record<string, { mode: string; sha: string }> = {};
  for (const rel of listTree(dir)) {
    const full = path.join(dir, rel);
    const bytes = fs.readFileSync(full);
    out[rel] = {
      mode: (fs.statSync(full).mode & 0o7777).toString(8),
      sha: crypto.createHash('sha256').update(bytes).digest('hex'),
    };
  }
  return out;
}

/** The folders of a built layer's tree with their modes. */
function folderModes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const stat = fs.statSync(path.join(dir, rel));
    if (stat.isDirectory()) out[rel] = (stat.mode & 0o7777).toString(8);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
describe('the engine command line', () => {
  const spec = (overrides: Partial<ContainerRunSpec> = {}): ContainerRunSpec => ({
    engine: docker,
    image: buildImageFor('python3.13'),
    architecture: 'arm64',
    layerDir: '/p/layers/common',
    outDir: '/p/build/layers/.tmp-common-x',
    env: {},
    user: { uid: 1000, gid: 1000 },
    ...overrides,
  });

  test('arm64, python3.13: the exact argv', () => {
    expect(containerRunArgv(spec())).toEqual([
      '/usr/bin/docker',
      'run',
      '--rm',
      '--platform',
      'linux/arm64',
      '--user',
      '1000:1000',
      '-v',
      '/p/layers/common:/build/layer:ro',
      '-v',
      '/p/build/layers/.tmp-common-x:/build/out',
      '-w',
      '/build/out',
      '-e',
      'HOME=/tmp',
      'public.ecr.aws/sam/build-python3.13',
      'python3',
      '-m',
      'pip',
      'install',
      '--requirement',
      '/build/layer/requirements.txt',
      '--target',
      '/build/out/site',
      '--report',
      '/build/out/pip-report.json',
      '--no-compile',
      '--no-user',
      '--disable-pip-version-check',
      '--no-warn-script-location',
      '--progress-bar',
      'off',
    ]);
  });

  test.each([
    ['python3.12', 'x86_64', 'public.ecr.aws/sam/build-python3.12', 'linux/amd64'],
    ['python3.13', 'x86_64', 'public.ecr.aws/sam/build-python3.13', 'linux/amd64'],
    ['python3.11', 'arm64', 'public.ecr.aws/sam/build-python3.11', 'linux/arm64'],
    ['python3.14', 'arm64', 'public.ecr.aws/sam/build-python3.14', 'linux/arm64'],
  ] as const)('%s %s: image %s, platform %s', (runtime, architecture, image, platform) => {
    const argv = containerRunArgv(spec({ image: buildImageFor(runtime), architecture }));
    expect(argv.slice(3, 5)).toEqual(['--platform', platform]);
    expect(argv[argv.length - containerPipCommand().length - 1]).toBe(image);
    // Never a cross-platform pip: the image's own Python and platform are Lambda's.
    expect(argv).not.toContain('--only-binary=:all:');
    expect(argv.join(' ')).not.toMatch(/--python-version|--implementation|manylinux/);
  });

  test('an image override, with the runtime filled in; without placeholders it is used as it is', () => {
    expect(buildImageFor('python3.12', 'registry.example.com/mirror/build-python{python}:v1')).toBe(
      'registry.example.com/mirror/build-python3.12:v1',
    );
    expect(buildImageFor('python3.12', 'mirror/lambda-build:{runtime}')).toBe('mirror/lambda-build:python3.12');
    expect(buildImageFor('python3.12', 'mirror/one-image')).toBe('mirror/one-image');
  });

  test("pip's variables pass through: by name, folders of find-links and files mounted, host-only ones dropped", () => {
    const house = wheelhouse();
    const second = tempDir('find-links-');
    const config = path.join(tempDir('pip-conf-'), 'pip.conf');
    fs.writeFileSync(config, '[global]\n');
    const argv = containerRunArgv(
      spec({
        env: {
          PIP_NO_INDEX: '1',
          PIP_FIND_LINKS: `${house} https://wheels.example.com/simple file://${second}`,
          PIP_INDEX_URL: 'https://user:token@index.example.com/simple',
          PIP_CONFIG_FILE: config,
          PIP_CERT: os.devNull,
          PIP_CACHE_DIR: '/home/me/.cache/pip',
          PIP_TARGET: '/somewhere',
          HOME: '/home/me',
          PATH: '/usr/bin',
          LAYER_BUILD_IMAGE: 'x',
        },
      }),
    );
    const pairs = (flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]] : []));
    expect(pairs('-v')).toEqual([
      '/p/layers/common:/build/layer:ro',
      '/p/build/layers/.tmp-common-x:/build/out',
      `${config}:/build/pip/config-file:ro`,
      `${house}:/build/find-links/0:ro`,
      `${second}:/build/find-links/2:ro`,
    ]);
    expect(pairs('-e')).toEqual([
      'HOME=/tmp',
      'PIP_CERT',
      'PIP_CONFIG_FILE=/build/pip/config-file',
      'PIP_FIND_LINKS=/build/find-links/0 https://wheels.example.com/simple /build/find-links/2',
      'PIP_INDEX_URL',
      'PIP_NO_INDEX',
    ]);
    // A secret in an index URL is never on the command line: the engine passes the variable from its environment.
    expect(argv.join(' ')).not.toContain('token');
  });

  test('a relative find-links folder is resolved from the working folder', () => {
    const house = wheelhouse();
    const argv = containerRunArgv(spec({ env: { PIP_FIND_LINKS: path.basename(house) }, cwd: path.dirname(house) }));
    expect(argv).toContain(`${house}:/build/find-links/0:ro`);
  });

  test.each([
    [docker, { uid: 1000, gid: 1000 }, ['--user', '1000:1000']],
    [podman, { uid: 1000, gid: 1000 }, ['--user', '1000:1000', '--userns=keep-id']],
    [podman, { uid: 0, gid: 0 }, ['--user', '0:0']],
    [docker, undefined, []],
  ])('%j as %j runs the container with %j', (engine, user, flags) => {
    const argv = containerRunArgv(spec({ engine, user }));
    expect(argv.slice(5, argv.indexOf('-v'))).toEqual(flags);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('engine discovery', () => {
  /** A folder holding executables (or a plain file) with the given names. */
  const bin = (...names: string[]) => {
    const dir = tempDir('engines-');
    for (const name of names) {
      fs.writeFileSync(path.join(dir, name), '#!/bin/sh\nexit 0\n');
      fs.chmodSync(path.join(dir, name), 0o755);
    }
    return dir;
  };
  const find = (requested: string | undefined, ...dirs: string[]) =>
    findContainerEngine({ requested, pathEnv: dirs.join(path.delimiter), platform: 'linux' });
  const failure = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ContainerEngineError);
      return (error as Error).message;
    }
    throw new Error('expected a ContainerEngineError');
  };

  test('docker, podman, finch: the first installed, in that order, whatever the PATH order', () => {
    const podmanDir = bin('podman');
    const both = bin('docker', 'finch');
    expect(find(undefined, podmanDir, both)).toEqual({ name: 'docker', command: path.join(both, 'docker') });
    expect(find(undefined, podmanDir)).toEqual({ name: 'podman', command: path.join(podmanDir, 'podman') });
    expect(find(undefined, bin('finch')).name).toBe('finch');
    expect(find('finch', podmanDir, both)).toEqual({ name: 'finch', command: path.join(both, 'finch') });
  });

  test('a file that is not executable is no engine', () => {
    const dir = bin();
    fs.writeFileSync(path.join(dir, 'docker'), '');
    expect(failure(() => find(undefined, dir))).toContain('none of docker, podman, finch is installed');
  });

  test('none installed: names the engines it looked for and how to install one', () => {
    expect(failure(() => find(undefined, bin()))).toBe(
      '--container needs a container engine, and none of docker, podman, finch is installed (none is on the PATH). ' +
        'Fix: install one of Docker Desktop or Docker Engine (https://docs.docker.com/get-docker/); ' +
        'Podman (https://podman.io/docs/installation; on Debian or Ubuntu: sudo apt-get install podman); ' +
        'Finch (https://runfinch.com/docs/getting-started/installation/); ' +
        "or build without --container, which needs a wheel of every package for Lambda's platform.",
    );
  });

  test('--engine podman without podman: names it, and the engine that is installed', () => {
    expect(failure(() => find('podman', bin('docker')))).toBe(
      '--engine podman: podman is not installed (no executable "podman" on the PATH). Fix: install Podman ' +
        '(https://podman.io/docs/installation; on Debian or Ubuntu: sudo apt-get install podman), or use --engine docker, which is installed.',
    );
    expect(failure(() => find('finch', bin()))).toMatch(
      /^--engine finch: finch is not installed .* Fix: install Finch \(.*\)\.$/,
    );
  });

  test('--engine of an unknown engine', () => {
    expect(failure(() => find('nerdctl', bin('docker')))).toBe(
      '--engine "nerdctl" is not one of docker, podman, finch. Fix: name one of them, or leave out --engine to use whichever is installed.',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("the engine's own failures, from what the engines print", () => {
  const context = { engine: docker, image: 'public.ecr.aws/sam/build-python3.13', architecture: 'arm64' as const };

  test('docker without its daemon (docker 28, exit 125)', () => {
    const output =
      'docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n\n' +
      "Run 'docker run --help' for more information\n";
    expect(explainEngineFailure(output, 125, context)).toBe(
      'docker is installed but cannot run containers (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. ' +
        "Is the docker daemon running?). Fix: start it (Docker Desktop or the docker service; 'podman machine start'; " +
        "'finch vm start'), or use another engine with --engine.",
    );
  });

  test('podman that cannot reach the registry (podman 4.3, exit 125): names the image and --image', () => {
    const output =
      'Trying to pull public.ecr.aws/sam/build-python3.13:latest...\n' +
      'Error: initializing source docker://public.ecr.aws/sam/build-python3.13:latest: pinging container registry ' +
      'public.ecr.aws: Get "https://public.ecr.aws/v2/": dial tcp: lookup public.ecr.aws on 10.255.255.53:53: no such host\n';
    const message = explainEngineFailure(output, 125, { ...context, engine: podman })!;
    expect(message).toMatch(
      /^podman could not pull the image public\.ecr\.aws\/sam\/build-python3\.13 \(initializing source .*no such host\)\. Fix: /,
    );
    expect(message).toContain('--image <ref> or LAYER_BUILD_IMAGE=<ref>');
  });

  test('docker refused the pull', () => {
    const output =
      "Unable to find image 'registry.example.com/build:1' locally\n" +
      'docker: Error response from daemon: pull access denied for registry.example.com/build, repository does not exist ' +
      "or may require 'docker login'.\n";
    expect(explainEngineFailure(output, 125, { ...context, image: 'registry.example.com/build:1' })).toMatch(
      /^docker could not pull the image registry\.example\.com\/build:1 \(pull access denied .*\)\. Fix: .*'docker login'.*--image <ref>/,
    );
  });

  test('an image without python3 (exit 127), an image for another CPU, no variant for the platform', () => {
    expect(
      explainEngineFailure(
        'Error: crun: executable file `python3` not found in $PATH: No such file or directory\n',
        127,
        context,
      ),
    ).toMatch(
      /^the image public\.ecr\.aws\/sam\/build-python3\.13 could not start python3 \(.*\)\. Fix: use a build image/,
    );
    expect(explainEngineFailure('exec /var/lang/bin/python3: exec format error\n', 1, context)).toMatch(
      /^the linux\/arm64 image public\.ecr\.aws\/sam\/build-python3\.13 cannot run on this \w+ machine \(exec format error\)/,
    );
    expect(
      explainEngineFailure(
        'docker: Error response from daemon: no matching manifest for linux/arm64/v8 in the manifest list entries.\n',
        125,
        context,
      ),
    ).toMatch(/^the image public\.ecr\.aws\/sam\/build-python3\.13 has no linux\/arm64 variant/);
  });

  test("pip's own failure inside the container is pip's, not the engine's", () => {
    const output =
      'ERROR: Could not find a version that satisfies the requirement nothere==1.0 (from versions: none)\n' +
      'ERROR: No matching distribution found for nothere==1.0\n';
    expect(explainEngineFailure(output, 1, context)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------
/**
 * A fake `docker`: just enough of `docker run` to run the container's command on this machine. It parses `-v
 * host:container[:ro]`, `-w`, `-e NAME[=value]` and `--user`, ignores `--rm`, `--platform` and `--userns`, maps the
 * container's paths to the host's in the command, its working folder and variables, and runs the command with only
 * the variables a container would get. It appends its arguments (as JSON) to $FAKE_DOCKER_LOG, and fails as an
 * engine would when $FAKE_DOCKER_FAIL says so (`daemon`, `pull`).
 */
const FAKE_DOCKER = `#!${process.execPath}
const { spawnSync } = require('child_process');
const fs = require('fs');
const args = process.argv.slice(2);
if (process.env.FAKE_DOCKER_LOG) fs.appendFileSync(process.env.FAKE_DOCKER_LOG, JSON.stringify(args) + '\\n');
if (process.env.FAKE_DOCKER_FAIL === 'daemon') {
  process.stderr.write('docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\\n');
  process.exit(125);
}
if (args.shift() !== 'run') { process.stderr.write('fake docker: only run\\n'); process.exit(125); }
const mounts = [];
const env = { PATH: process.env.PATH };
let workdir = '/';
let user;
while (args.length > 0 && args[0].startsWith('-')) {
  const flag = args.shift();
  if (flag === '--rm' || flag.startsWith('--userns=')) continue;
  const value = args.shift();
  if (flag === '-v') {
    const [host, inside] = value.split(':');
    mounts.push([inside, host]);
  } else if (flag === '-w') workdir = value;
  else if (flag === '--user') user = value;
  else if (flag === '-e') {
    const eq = value.indexOf('=');
    if (eq < 0) { if (process.env[value] !== undefined) env[value] = process.env[value]; }
    else env[value.slice(0, eq)] = value.slice(eq + 1);
  } else if (flag !== '--platform') { process.stderr.write('fake docker: unknown flag ' + flag + '\\n'); process.exit(125); }
}
const image = args.shift();
if (process.env.FAKE_DOCKER_FAIL === 'pull') {
  process.stderr.write("Unable to find image '" + image + "' locally\\n");
  process.stderr.write('docker: Error response from daemon: pull access denied for ' + image + ', repository does not exist or may require \\'docker login\\'.\\n');
  process.exit(125);
}
mounts.sort((a, b) => b[0].length - a[0].length);
const toHost = (s) => s.split(' ').map((word) => {
  for (const [inside, host] of mounts) if (word === inside || word.startsWith(inside + '/')) return host + word.slice(inside.length);
  return word;
}).join(' ');
if (user && user !== process.getuid() + ':' + process.getgid()) { process.stderr.write('fake docker: cannot run as ' + user + '\\n'); process.exit(125); }
for (const k of Object.keys(env)) env[k] = toHost(env[k]);
const [command, ...rest] = args;
const result = spawnSync(command, rest.map(toHost), { cwd: toHost(workdir), env, stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
`;

/** A folder with the fake `docker`, to put first on the PATH. */
function fakeDockerBin(): string {
  const dir = tempDir('fake-docker-');
  fs.writeFileSync(path.join(dir, 'docker'), FAKE_DOCKER);
  fs.chmodSync(path.join(dir, 'docker'), 0o755);
  return dir;
}

describe('a container build through a fake docker', () => {
  const fakeBin = fakeDockerBin();
  const engine: ContainerEngine = { name: 'docker', command: path.join(fakeBin, 'docker') };
  const house = wheelhouse(tinyjson);
  sourceDistribution(house, 'srconly', '1.0');
  const log = path.join(tempDir('fake-docker-log-'), 'calls.jsonl');
  const calls = () =>
    fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);

  const build = (root: string, options: Partial<BuildLayerOptions> = {}, env: Record<string, string> = {}) =>
    withEnv({ ...offlinePipEnv(house), FAKE_DOCKER_LOG: log, ...env }, () =>
      buildLayer(layer(), { projectRoot: root, ...options }),
    );
  const buildError = async (root: string, options: Partial<BuildLayerOptions>, env: Record<string, string> = {}) => {
    try {
      await build(root, options, env);
    } catch (error) {
      expect(error).toBeInstanceOf(LayerBuildError);
      return (error as Error).message;
    }
    throw new Error('expected the build to fail');
  };

  test('is byte-identical to a native build of the same wheels: files, bytes, modes, manifest', async () => {
    const native = projectWith('tinyjson==1.0.0\n');
    const contained = projectWith('tinyjson==1.0.0\n');
    await build(native);
    const result = await build(contained, { container: { engine } });
    expect(result.skipped).toBe(false);
    expect(treeSnapshot(layerBuildDir(contained, 'common'))).toEqual(treeSnapshot(layerBuildDir(native, 'common')));
    expect(folderModes(layerBuildDir(contained, 'common'))).toEqual(folderModes(layerBuildDir(native, 'common')));
    expect(hashTree(layerBuildDir(contained, 'common'))).toBe(hashTree(layerBuildDir(native, 'common')));
    expect(readManifest(contained)).toEqual(readManifest(native));
    expect(listTree(path.join(layerBuildDir(contained, 'common'), 'python'))).toContain('tinyjson/data/table.txt');
    // The console script is not shipped, nor its hash (which holds the path of the interpreter that ran pip).
    const record = path.join(layerBuildDir(contained, 'common'), 'python', 'tinyjson-1.0.0.dist-info', 'RECORD');
    expect(fs.readFileSync(record, 'utf8')).not.toContain('bin/tinyjson');
    expect(fs.readFileSync(record, 'utf8')).toContain('tinyjson/__init__.py,sha256=');
    // Written as the user who builds, through the mounts, with pip's variables passed by name.
    const [argv] = calls().slice(-1);
    expect(argv).toEqual(
      expect.arrayContaining(['--user', `${process.getuid!()}:${process.getgid!()}`, '--platform', 'linux/arm64']),
    );
    expect(argv).toContain(`${house}:${CONTAINER_PATHS.findLinks}/0:ro`);
    expect(argv).toContain('public.ecr.aws/sam/build-python3.13');
    for (const rel of listTree(layerBuildDir(contained, 'common'))) {
      expect(fs.statSync(path.join(layerBuildDir(contained, 'common'), rel)).uid).toBe(process.getuid!());
    }
  });

  test('builds a package that publishes only a source distribution, which a native build cannot', async () => {
    const native = projectWith('srconly==1.0\n');
    expect(await buildError(native, {})).toMatch(/^Layer "common": no wheel of srconly==1.0 fits python3\.13/);
    const contained = projectWith('srconly==1.0\n');
    const { manifest } = await build(contained, { container: { engine } });
    expect(manifest.packages).toEqual([{ name: 'srconly', version: '1.0', tags: ['py3-none-any'] }]);
    expect(
      fs.readFileSync(path.join(layerBuildDir(contained, 'common'), 'python', 'srconly', '__init__.py'), 'utf8'),
    ).toBe('BUILT_FROM_SOURCE = True\n');
    const all = fs.readdirSync(path.join(layerBuildDir(contained, 'common'), 'python'), {
      recursive: true,
    }) as string[];
    expect(all.filter((f) => f.includes('__pycache__') || f.endsWith('.pyc'))).toEqual([]);
  });

  test('the same skip-when-current rule: a current build, native or not, is not rebuilt; --force rebuilds', async () => {
    const root = projectWith('tinyjson==1.0.0\n');
    const first = await build(root);
    const callsBefore = fs.existsSync(log) ? calls().length : 0;
    const again = await build(root, { container: { engine } });
    expect(again).toMatchObject({ skipped: true, manifest: first.manifest });
    expect(fs.existsSync(log) ? calls().length : 0).toBe(callsBefore);
    const forced = await build(root, { container: { engine }, force: true });
    expect(forced).toMatchObject({ skipped: false, manifest: first.manifest });
  });

  test('the same checks: a package built for another platform than the layer is refused', async () => {
    // The fake container's pip is this machine's, so a wheel for this machine's CPython installs; the layer is for
    // python3.13 on arm64, and the tag check refuses it as it would refuse it from a native build.
    const tag = execFileSync('python3', [
      '-c',
      'import sys, platform; v = "cp%d%d" % sys.version_info[:2]; print("%s-%s-manylinux2014_%s" % (v, v, platform.machine()))',
    ])
      .toString()
      .trim();
    const hostWheels = wheelhouse({ name: 'hostlib', version: '1.0', tag, files: { 'hostlib/__init__.py': '' } });
    const message = await buildError(
      projectWith('hostlib==1.0\n'),
      { container: { engine } },
      offlinePipEnv(hostWheels),
    );
    expect(message).toContain(`Layer "common": hostlib 1.0 (wheel tags ${tag}) cannot run on python3.13 arm64`);
  });

  test.each([
    [
      'pull',
      /^Layer "common": docker could not pull the image public\.ecr\.aws\/sam\/build-python3\.13 \(pull access denied .*--image <ref> or LAYER_BUILD_IMAGE=<ref>/,
    ],
    ['daemon', /^Layer "common": docker is installed but cannot run containers \(Cannot connect to the Docker daemon/],
  ])(
    'a container run that fails (%s) leaves the previous good build in place, and no temporary folder',
    async (fail, expected) => {
      const root = projectWith('tinyjson==1.0.0\n');
      const good = await build(root, { container: { engine } });
      const before = treeSnapshot(layerBuildDir(root, 'common'));
      fs.appendFileSync(path.join(layerSourceDir(root, 'common'), 'python', 'lambda_kit.py'), '\n# changed\n');
      expect(await buildError(root, { container: { engine } }, { FAKE_DOCKER_FAIL: fail })).toMatch(expected);
      expect(readManifest(root)).toEqual(good.manifest);
      expect(treeSnapshot(layerBuildDir(root, 'common'))).toEqual(before);
      expect(fs.readdirSync(path.dirname(layerBuildDir(root, 'common')))).toEqual(['common']);
    },
  );

  test("pip's failure in the container names the package and the image", async () => {
    const message = await buildError(projectWith('nothere==1.0\n'), { container: { engine } });
    expect(message).toBe(
      'Layer "common": no distribution of nothere==1.0, wheel or source, fits python3.13 (CPython 3.13) on linux/arm64 ' +
        'in public.ecr.aws/sam/build-python3.13. Fix: check the name and version, and PIP_INDEX_URL / PIP_FIND_LINKS ' +
        '(to build a source distribution, its build requirements, such as setuptools, must be found there too).',
    );
  });

  test('an --image override is the image the engine runs', async () => {
    await build(projectWith('tinyjson==1.0.0\n'), {
      container: { engine, image: 'registry.example.com/mirror/build-python{python}' },
    });
    expect(calls().slice(-1)[0]).toContain('registry.example.com/mirror/build-python3.13');
  });

  describe('npm run build:layers -- --container', () => {
    const root = copyProjectWithTools();
    fs.writeFileSync(path.join(layerSourceDir(root, 'common'), 'requirements.txt'), 'tinyjson==1.0.0\nsrconly==1.0\n');
    const empty = tempDir('no-engines-');
    const python = path.dirname(execFileSync('python3', ['-c', 'import sys; print(sys.executable)']).toString().trim());
    const env = (pathDirs: string[], extra: Record<string, string> = {}) => ({
      ...process.env,
      ...offlinePipEnv(house),
      FAKE_DOCKER_LOG: log,
      // Only the given folders and Python's: no engine of this machine is found by accident.
      PATH: [...pathDirs, python].join(path.delimiter),
      ...extra,
    });
    const cli = (args: string[], pathDirs: string[], extra: Record<string, string> = {}) =>
      runEntryPoint(root, 'bin/build-layers.ts', args, { env: env(pathDirs, extra) });

    test('builds every layer with the engine on the PATH, then says what it did', () => {
      const run = cli(['--container'], [fakeBin]);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/in public\.ecr\.aws\/sam\/build-python3\.13 \(linux\/arm64, docker\)/);
      expect(run.stdout).toMatch(/^common +built +2 /m);
      expect(readManifest(root).packages.map((p) => p.name)).toEqual(['srconly', 'tinyjson']);
      const again = cli(['--container', 'common'], [fakeBin]);
      expect(again.stdout).toMatch(/^common +up to date /m);
    });

    test('LAYER_BUILD_IMAGE overrides the image, --image overrides both', () => {
      cli(['--container', '--force', 'common'], [fakeBin], { LAYER_BUILD_IMAGE: 'mirror/sam-{python}' });
      expect(calls().slice(-1)[0]).toContain('mirror/sam-3.13');
      cli(['--container', '--force', 'common', '--image', 'other/sam:{runtime}'], [fakeBin], {
        LAYER_BUILD_IMAGE: 'mirror/sam-{python}',
      });
      expect(calls().slice(-1)[0]).toContain('other/sam:python3.13');
    });

    test('an image that cannot be pulled: exit 1, the image and --image named, the previous build kept', () => {
      const before = readManifest(root);
      fs.appendFileSync(path.join(layerSourceDir(root, 'common'), 'python', 'lambda_kit.py'), '\n# changed again\n');
      const run = cli(['--container', 'common'], [fakeBin], { FAKE_DOCKER_FAIL: 'pull' });
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/^common +FAILED/m);
      expect(run.stderr).toContain(
        'Layer "common": docker could not pull the image public.ecr.aws/sam/build-python3.13 (pull access denied',
      );
      expect(run.stderr).toContain('--image <ref>');
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(readManifest(root)).toEqual(before);
    });

    test.each([
      [['--container'], [], 1, 'none of docker, podman, finch is installed'],
      [['--container', '--engine', 'podman'], ['FAKE'], 1, '--engine podman: podman is not installed'],
      [['--container', '--engine', 'nerdctl'], ['FAKE'], 2, '--engine "nerdctl" is not one of docker, podman, finch'],
      [['--engine', 'docker'], ['FAKE'], 2, '--engine applies to container builds only. Fix: add --container.'],
      [['--image', 'x/y'], ['FAKE'], 2, '--image applies to container builds only. Fix: add --container.'],
      [['--container', '--image'], ['FAKE'], 2, '--image needs a value'],
    ])('%j: a message, no stack trace, nothing built', (args, dirs, status, message) => {
      const before = treeSnapshot(layerBuildDir(root, 'common'));
      const run = cli(
        args,
        dirs.map((d) => (d === 'FAKE' ? fakeBin : empty)),
      );
      expect(run.status).toBe(status);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(treeSnapshot(layerBuildDir(root, 'common'))).toEqual(before);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
/**
 * A real engine: Podman, when installed and able to run a container here. No image registry is needed: the image
 * is made from this machine's own Python (its binary, standard library, pip and the libraries they load) with
 * `podman import`, so the layer's runtime is this Python's version and the architecture this machine's.
 */
const PODMAN_IMAGE = 'localhost/layer-builder-test-python:host';

const MAKE_ROOTFS = `
import os, shutil, subprocess, sys, sysconfig
root = sys.argv[1]
exe = os.path.realpath(sys.executable)
paths = sysconfig.get_paths()
skip = {"test", "idlelib", "tkinter", "turtledemo", "__pycache__", "ensurepip", "lib2to3", "site-packages"}
def copy(src):
    dst = root + src
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if os.path.isdir(src) and not os.path.islink(src):
        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True,
                        ignore=lambda d, names: [n for n in names if n in skip or n.endswith(".pyc")])
    else:
        shutil.copy2(src, dst, follow_symlinks=False)
copy(exe); copy(paths["stdlib"]); copy(os.path.join(paths["purelib"], "pip"))
libs = set()
for so in [exe] + [os.path.join(d, f) for d, _, fs in os.walk(root + paths["stdlib"]) for f in fs if f.endswith(".so")]:
    for part in subprocess.run(["ldd", so], capture_output=True, text=True).stdout.split():
        if part.startswith("/"):
            libs.add(part)
for lib in libs:
    real = os.path.realpath(lib)
    copy(real)
    if real != lib and not os.path.lexists(root + lib):
        os.makedirs(os.path.dirname(root + lib), exist_ok=True)
        os.symlink(real, root + lib)
os.makedirs(root + "/usr/bin", exist_ok=True)
os.symlink(exe, root + "/usr/bin/python3")
for d in ["tmp", "proc", "sys", "dev", "etc"]:
    os.makedirs(os.path.join(root, d), exist_ok=True)
os.chmod(root + "/tmp", 0o1777)
`;

interface RealPodman {
  readonly engine?: ContainerEngine;
  readonly env?: Record<string, string>;
  readonly skipped?: string;
}

/**
 * Podman, if it can run the test image: as it is, or (a machine that nests containers in a container, with cgroup
 * v1 and v2 mounted together, as this project's development machine does) in a private mount namespace with a
 * cgroup2 mount, no cgroups and ulimits it may set. The image, the mounts, the user and the command stay the builder's.
 */
function realPodman(): RealPodman {
  const command = spawnSync('sh', ['-c', 'command -v podman'], { encoding: 'utf8' }).stdout.trim();
  if (!command) return { skipped: 'podman is not installed' };
  const probe = (cmd: string, env: NodeJS.ProcessEnv) =>
    spawnSync(cmd, ['run', '--rm', PODMAN_IMAGE, 'python3', '-c', 'print("ok")'], {
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
  if (spawnSync(command, ['image', 'exists', PODMAN_IMAGE]).status !== 0) {
    const dir = tempDir('podman-image-');
    const rootfs = path.join(dir, 'rootfs');
    const made = spawnSync('python3', ['-c', MAKE_ROOTFS, rootfs], { encoding: 'utf8' });
    const tar = made.status === 0 && spawnSync('tar', ['-C', rootfs, '-cf', path.join(dir, 'rootfs.tar'), '.']);
    const imported =
      tar &&
      tar.status === 0 &&
      spawnSync(command, ['import', '--change', 'ENV PATH=/usr/bin', path.join(dir, 'rootfs.tar'), PODMAN_IMAGE], {
        encoding: 'utf8',
      });
    if (!imported || imported.status !== 0) {
      return { skipped: `podman could not import a test image: ${(imported || made).stderr}`.trim() };
    }
  }
  const plain = probe(command, process.env);
  if (plain.status === 0) return { engine: { name: 'podman', command }, env: {} };
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v unshare']).status !== 0) {
    return { skipped: `podman cannot run a container here: ${plain.stderr.trim().split('\n').pop()}` };
  }
  const dir = tempDir('podman-nested-');
  const conf = path.join(dir, 'containers.conf');
  fs.writeFileSync(
    conf,
    '[containers]\ncgroups = "disabled"\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' +
      '[engine]\ncgroup_manager = "cgroupfs"\n',
  );
  const wrapper = path.join(dir, 'podman');
  fs.writeFileSync(
    wrapper,
    "#!/bin/sh\nexec unshare -m sh -c 'umount -l /sys/fs/cgroup 2>/dev/null; " +
      `mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null; exec ${command} "$@"' podman "$@"\n`,
  );
  fs.chmodSync(wrapper, 0o755);
  const env = { CONTAINERS_CONF: conf };
  const nested = probe(wrapper, { ...process.env, ...env });
  if (nested.status === 0) return { engine: { name: 'podman', command: wrapper }, env };
  return { skipped: `podman cannot run a container here: ${nested.stderr.trim().split('\n').pop()}` };
}

const podmanHere = realPodman();
/**
 * Where a real engine must run (CI sets REQUIRE_CONTAINER_ENGINE=1 after installing Podman), its absence fails the
 * run instead of skipping the only tests that exercise `--platform`, `--user` and the image for real.
 */
const REQUIRE_ENGINE = process.env.REQUIRE_CONTAINER_ENGINE === '1';
const describeWithPodman = podmanHere.engine ? describe : describe.skip;

if (REQUIRE_ENGINE && !podmanHere.engine) {
  test('a real container engine runs here, as REQUIRE_CONTAINER_ENGINE=1 asks', () => {
    throw new Error(`REQUIRE_CONTAINER_ENGINE=1, but ${podmanHere.skipped}: install Podman (apt-get install podman)`);
  });
}

describeWithPodman(
  `a container build with a real podman${podmanHere.skipped ? ` (skipped: ${podmanHere.skipped})` : ''}`,
  () => {
    const { engine, env } = podmanHere as Required<RealPodman>;
    const [pythonVersion, machine] = execFileSync('python3', [
      '-c',
      'import sys, platform; print("%d.%d %s" % (sys.version_info[:2] + (platform.machine(),)))',
    ])
      .toString()
      .trim()
      .split(' ');
    const cp = `cp${pythonVersion.replace('.', '')}`;
    const hostLayer = layer({
      runtimes: [`python${pythonVersion}`],
      architectures: [machine === 'aarch64' ? 'arm64' : 'x86_64'],
    });
    const house = wheelhouse(tinyjson, {
      name: 'fastlib',
      version: '2.0',
      tag: `${cp}-${cp}-manylinux2014_${machine}`,
      files: { 'fastlib/__init__.py': 'NATIVE = True\n', 'fastlib/_speed.py': 'x = 1\n' },
    });
    sourceDistribution(house, 'srconly', '1.0');
    const build = (root: string, options: Partial<BuildLayerOptions> = {}) =>
      withEnv({ ...offlinePipEnv(house), ...env }, () => buildLayer(hostLayer, { projectRoot: root, ...options }));

    test('is byte-identical to a native build of the same wheels, native wheel included', async () => {
      const native = projectWith('tinyjson==1.0.0\nfastlib==2.0\n');
      const contained = projectWith('tinyjson==1.0.0\nfastlib==2.0\n');
      await build(native);
      await build(contained, { container: { engine, image: PODMAN_IMAGE } });
      expect(treeSnapshot(layerBuildDir(contained, 'common'))).toEqual(treeSnapshot(layerBuildDir(native, 'common')));
      expect(folderModes(layerBuildDir(contained, 'common'))).toEqual(folderModes(layerBuildDir(native, 'common')));
      expect(readManifest(contained)).toEqual(readManifest(native));
      for (const rel of listTree(layerBuildDir(contained, 'common'))) {
        expect(fs.statSync(path.join(layerBuildDir(contained, 'common'), rel)).uid).toBe(process.getuid!());
      }
    });

    test('builds a source distribution in the container', async () => {
      const root = projectWith('srconly==1.0\ntinyjson==1.0.0\n');
      const { manifest } = await build(root, { container: { engine, image: PODMAN_IMAGE } });
      expect(manifest.packages.map((p) => p.name)).toEqual(['srconly', 'tinyjson']);
    });

    test('an image it cannot pull names the image and --image; the previous build stays', async () => {
      const root = projectWith('tinyjson==1.0.0\n');
      const good = await build(root, { container: { engine, image: PODMAN_IMAGE } });
      fs.appendFileSync(path.join(layerSourceDir(root, 'common'), 'python', 'lambda_kit.py'), '\n# changed\n');
      // A registry podman's registries.conf blocks: the pull is refused at once, where an unreachable one costs
      // podman's own retries (6 s with podman 4.3) for the same refusal.
      const registries = path.join(tempDir('podman-registries-'), 'registries.conf');
      fs.writeFileSync(registries, '[[registry]]\nlocation = "blocked.invalid"\nblocked = true\n');
      await expect(
        withEnv({ CONTAINERS_REGISTRIES_CONF: registries }, () =>
          build(root, { container: { engine, image: 'blocked.invalid/nowhere/build-python{python}' } }),
        ),
      ).rejects.toThrow(
        /podman could not pull the image blocked\.invalid\/nowhere\/build-python3\.\d+ .*--image <ref>/,
      );
      expect(readManifest(root)).toEqual(good.manifest);
    });
  },
);
