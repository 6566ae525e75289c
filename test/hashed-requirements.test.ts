/**
 * Layers whose requirements carry hashes (`--hash=sha256:...`): pip checks every file it installs against them, in a
 * native build and in a container build alike; a wrong or missing hash fails the build naming the package, the
 * hashes, and how to regenerate them; hashes change nothing in what is built. Offline: the wheels are made here.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { LayerConfig } from '../lib/config/layers-config';
import type { ContainerEngine } from '../lib/layer-build/container-engine';
import { buildLayer, BuildLayerOptions } from '../lib/layer-build/layer-builder';
import { LayerBuildError } from '../lib/layer-build/layer-build-error';
import { builtFingerprint, listTree } from '../lib/layer-content/layer-fingerprint';
import type { LayerManifest } from '../lib/layer-content/layer-manifest';
import { explainHashProblems, parseHashProblems } from '../lib/layer-build/pip-hashes';
import { layerBuildDir, layerSourceDir } from '../lib/config/project-layout';
import { copyProject, tempDir } from './helpers';
import { makeWheel } from './wheel-maker';
import { offlinePipEnv, WheelSpec, withEnv } from './wheels';

const ARM_313 = 'cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64';
const tinyjson: WheelSpec = {
  name: 'tinyjson',
  version: '1.0.0',
  tag: 'py3-none-any',
  files: { 'tinyjson/__init__.py': 'def dumps(v):\n    return str(v)\n' },
};
const fastlib: WheelSpec = {
  name: 'fastlib',
  version: '2.0',
  tag: ARM_313,
  files: { 'fastlib/__init__.py': 'NATIVE = True\n' },
};

const house = tempDir('hashed-wheelhouse-');
const sha256Of = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const TINYJSON = sha256Of(makeWheel(house, tinyjson));
const FASTLIB = sha256Of(makeWheel(house, fastlib));
const WRONG = 'ab'.repeat(32);

const layer: LayerConfig = {
  name: 'common',
  description: 'test layer',
  runtimes: ['python3.13'],
  architectures: ['arm64'],
};

function projectWith(requirements: string): string {
  const root = copyProject();
  fs.writeFileSync(path.join(layerSourceDir(root, 'common'), 'requirements.txt'), requirements);
  return root;
}

const build = (root: string, options: Partial<BuildLayerOptions> = {}, env: Record<string, string | undefined> = {}) =>
  withEnv({ ...offlinePipEnv(house), ...env }, () => buildLayer(layer, { projectRoot: root, ...options }));

async function buildError(
  root: string,
  options: Partial<BuildLayerOptions> = {},
  env: Record<string, string | undefined> = {},
): Promise<string> {
  try {
    await build(root, options, env);
  } catch (error) {
    expect(error).toBeInstanceOf(LayerBuildError);
    return (error as Error).message;
  }
  throw new Error('expected the build to fail');
}

const readManifest = (root: string): LayerManifest =>
  JSON.parse(fs.readFileSync(path.join(layerBuildDir(root, 'common'), 'manifest.json'), 'utf8'));

/** Every file of the built python/ tree with its mode and bytes. */
function pythonTree(root: string): Record<string, string> {
  const dir = path.join(layerBuildDir(root, 'common'), 'python');
  return Object.fromEntries(
    listTree(dir).map((rel) => {
      const full = path.join(dir, rel);
      return [rel, `${(fs.statSync(full).mode & 0o777).toString(8)} ${sha256Of(full)}`];
    }),
  );
}

const hashed = (tiny = TINYJSON, fast = FASTLIB) =>
  `# hashed, as pip-compile --generate-hashes writes them\ntinyjson==1.0.0 \\\n    --hash=sha256:${tiny}\nfastlib==2.0 --hash=sha256:${fast}\n`;

describe('a native build of hashed requirements', () => {
  test('with the right hashes builds, byte-identical to a build of the same wheels without hashes', async () => {
    const plain = projectWith('tinyjson==1.0.0\nfastlib==2.0\n');
    const withHashes = projectWith(hashed());
    await build(plain);
    const result = await build(withHashes);
    expect(result.manifest.packages.map((p) => `${p.name}==${p.version}`)).toEqual(['fastlib==2.0', 'tinyjson==1.0.0']);
    expect(pythonTree(withHashes)).toEqual(pythonTree(plain));
    expect(Object.keys(pythonTree(withHashes))).toContain('tinyjson/__init__.py');
    // The built fingerprint (what the layer's version and its functions follow) is the same; only the source's,
    // which covers requirements.txt, differs.
    const { sourceFingerprint: a, ...plainRest } = readManifest(plain);
    const { sourceFingerprint: b, ...hashedRest } = readManifest(withHashes);
    expect(hashedRest).toEqual(plainRest);
    expect(a).not.toBe(b);
  });

  test('several hashes on a line (one per platform, as pip-compile writes) are alternatives', async () => {
    const root = projectWith(`tinyjson==1.0.0 --hash=sha256:${WRONG} --hash=sha256:${TINYJSON}\n`);
    expect((await build(root)).manifest.packages.map((p) => p.name)).toEqual(['tinyjson']);
  });

  test('a wrong hash fails naming the package, both hashes, the file and the fix; the previous good build stays', async () => {
    const root = projectWith(hashed());
    const good = await build(root);
    fs.writeFileSync(path.join(layerSourceDir(root, 'common'), 'requirements.txt'), hashed(WRONG));
    const message = await buildError(root);
    expect(message).toBe(
      'Layer "common": requirements.txt\'s hashes do not match what pip downloaded, so nothing was installed: ' +
        `tinyjson==1.0.0 (line 2) expects sha256:${WRONG}, but tinyjson-1.0.0-py3-none-any.whl has sha256:${TINYJSON}. ` +
        'Either the hashes are stale (the version changed, or the index serves another file for this runtime and architecture) ' +
        'or the file is not the one that was reviewed. Fix: check where the files come from (PIP_INDEX_URL, PIP_FIND_LINKS); ' +
        'if the change is expected, regenerate the hashes, dependencies included, with "pip-compile --generate-hashes" ' +
        '(it hashes every file of each release), or "pip download tinyjson==1.0.0 --no-deps --only-binary=:all: ' +
        '--platform manylinux2014_aarch64 --platform manylinux_2_34_aarch64 --implementation cp --python-version 3.13 -d wheels" ' +
        'then "pip hash wheels/*", and put every hash on its requirement\'s line as --hash=sha256:<hex>.',
    );
    expect(readManifest(root)).toEqual(good.manifest);
    expect(builtFingerprint(layerBuildDir(root, 'common'), layer)).toBe(good.manifest.fingerprint);
    expect(fs.readdirSync(path.dirname(layerBuildDir(root, 'common')))).toEqual(['common']);
  });

  test('hashes on some lines only: names the package without one, and the hash pip computed for it', async () => {
    const message = await buildError(projectWith(`tinyjson==1.0.0 --hash=sha256:${TINYJSON}\nfastlib==2.0\n`));
    expect(message).toMatch(
      /^Layer "common": requirements.txt gives no hash for fastlib==2\.0: once one line has a --hash/,
    );
    expect(message).toContain(`fastlib==2.0 --hash=sha256:${FASTLIB}`);
    expect(message).toContain('Fix: check where the files come from');
    expect(message).not.toContain('tinyjson');
  });

  test('PIP_REQUIRE_HASHES=1 makes hashes mandatory: requirements without them fail, naming the package', async () => {
    // pip stops at the first package it finds without a hash.
    const message = await buildError(projectWith('tinyjson==1.0.0\nfastlib==2.0\n'), {}, { PIP_REQUIRE_HASHES: '1' });
    expect(message).toMatch(/^Layer "common": requirements.txt gives no hash for tinyjson==1\.0\.0: /);
    expect(message).toContain('PIP_REQUIRE_HASHES');
  });

  test('a hashed requirement that is not pinned with == is named', async () => {
    const message = await buildError(projectWith(`tinyjson --hash=sha256:${TINYJSON}\n`));
    expect(message).toMatch(/^Layer "common": requirements.txt does not pin tinyjson with ==, which pip needs/);
    expect(message).toContain('pip-compile --generate-hashes');
  });
});

describe("pip's report of hash failures", () => {
  // As pip prints it, with two allowed hashes, a second package, and an index URL that carries a credential.
  const output = [
    'Collecting orjson==3.10.15 (from -r /build/layer/requirements.txt (line 3))',
    'ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated the package versions, update the hashes as well. Otherwise, examine the package contents carefully; someone may have tampered with them.',
    '    orjson==3.10.15 from https://user:****@index.example.com/packages/orjson-3.10.15-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl#sha256=cc (from -r /build/layer/requirements.txt (line 3)):',
    `        Expected sha256 ${'11'.repeat(32)}`,
    `        Expected     or ${'22'.repeat(32)}`,
    `             Got        ${'cc'.repeat(32)}`,
    '',
    '    unknown package:',
    `        Expected sha512 ${'33'.repeat(64)}`,
    `             Got        ${'dd'.repeat(64)}`,
    '',
  ].join('\n');

  test('every package with its expected and actual hashes; the file by name only', () => {
    expect(parseHashProblems(output)).toEqual({
      mismatches: [
        {
          requirement: 'orjson==3.10.15',
          file: 'orjson-3.10.15-cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64.whl',
          line: 3,
          expected: [`sha256:${'11'.repeat(32)}`, `sha256:${'22'.repeat(32)}`],
          got: `sha256:${'cc'.repeat(32)}`,
        },
        { requirement: 'unknown package', expected: [`sha512:${'33'.repeat(64)}`], got: `sha512:${'dd'.repeat(64)}` },
      ],
      missing: [],
      unpinned: [],
    });
    const message = explainHashProblems(parseHashProblems(output)!, { pythonVersion: '3.13' });
    expect(message).not.toContain('****');
    expect(message).not.toContain('index.example.com');
    // A container build: pip runs on Lambda's platform, so the command has no --platform.
    expect(message).toContain('"pip download orjson==3.10.15 --no-deps -d wheels (inside the build image)"');
  });

  test('output without hash failures is none of its business', () => {
    expect(parseHashProblems('ERROR: No matching distribution found for nothere==1.0\n')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------
/**
 * A fake container engine: `<engine> run [flags] <image> <command...>` runs the command on this machine, the
 * container's paths (`-v host:inside[:ro]`) mapped to the host's, with only the variables `-e` passes. Enough to show
 * that hash checking, and PIP_REQUIRE_HASHES, work as they do natively.
 */
const FAKE_ENGINE = `#!${process.execPath}
const { spawnSync } = require('child_process');
const args = process.argv.slice(2);
if (args.shift() !== 'run') process.exit(125);
const mounts = [];
const env = { PATH: process.env.PATH };
let workdir = '/';
while (args[0].startsWith('-')) {
  const flag = args.shift();
  if (flag === '--rm' || flag.startsWith('--userns=')) continue;
  const value = args.shift();
  if (flag === '-v') mounts.push(value.split(':').slice(0, 2).reverse());
  else if (flag === '-w') workdir = value;
  else if (flag === '-e') {
    const eq = value.indexOf('=');
    if (eq < 0) { if (process.env[value] !== undefined) env[value] = process.env[value]; }
    else env[value.slice(0, eq)] = value.slice(eq + 1);
  }
}
args.shift(); // the image
mounts.sort((a, b) => b[0].length - a[0].length);
const toHost = (s) => s.split(' ').map((w) => {
  for (const [inside, host] of mounts) if (w === inside || w.startsWith(inside + '/')) return host + w.slice(inside.length);
  return w;
}).join(' ');
for (const k of Object.keys(env)) env[k] = toHost(env[k]);
const [command, ...rest] = args;
const result = spawnSync(command, rest.map(toHost), { cwd: toHost(workdir), env, stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
`;

describe('a container build of hashed requirements', () => {
  const bin = tempDir('fake-engine-');
  fs.writeFileSync(path.join(bin, 'docker'), FAKE_ENGINE, { mode: 0o755 });
  const engine: ContainerEngine = { name: 'docker', command: path.join(bin, 'docker') };
  // The fake runs this machine's pip, so only pure-Python wheels install: the layer's own wheels are tested natively.
  const container = { engine, user: null };

  test('with the right hash builds what a native build does', async () => {
    const native = projectWith(`tinyjson==1.0.0 --hash=sha256:${TINYJSON}\n`);
    const contained = projectWith(`tinyjson==1.0.0 --hash=sha256:${TINYJSON}\n`);
    await build(native);
    await build(contained, { container });
    expect(pythonTree(contained)).toEqual(pythonTree(native));
  });

  test('a wrong hash fails naming the package and both hashes, and the fix without a native --platform', async () => {
    const message = await buildError(projectWith(`tinyjson==1.0.0 --hash=sha256:${WRONG}\n`), { container });
    expect(message).toContain(
      `tinyjson==1.0.0 (line 1) expects sha256:${WRONG}, but tinyjson-1.0.0-py3-none-any.whl has sha256:${TINYJSON}`,
    );
    expect(message).toContain('"pip download tinyjson==1.0.0 --no-deps -d wheels (inside the build image)"');
  });

  test('PIP_REQUIRE_HASHES reaches pip in the container', async () => {
    const message = await buildError(projectWith('tinyjson==1.0.0\n'), { container }, { PIP_REQUIRE_HASHES: '1' });
    expect(message).toMatch(/^Layer "common": requirements.txt gives no hash for tinyjson==1\.0\.0:/);
  });
});
