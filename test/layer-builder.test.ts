import * as fs from 'fs';
import * as path from 'path';
import type { LayerConfig } from '../lib/config/layers-config';
import { buildLayer, BuildLayerOptions } from '../lib/layer-build/layer-builder';
import { LayerBuildError } from '../lib/layer-build/layer-build-error';
import { shadowingProblems } from '../lib/layer-build/layer-shadowing';
import { builtFingerprint, hashTree, listTree } from '../lib/layer-content/layer-fingerprint';
import type { LayerManifest } from '../lib/layer-content/layer-manifest';
import { resolveLayerContents } from '../lib/layer-content/layer-source';
import { layerBuildDir, layerSourceDir } from '../lib/config/project-layout';
import { Template } from 'aws-cdk-lib/assertions';
import { copyProject, copyProjectWithTools, runEntryPoint, synthApp } from './helpers';
import { offlinePipEnv, wheelhouse, WheelSpec, withEnv } from './wheels';

const ARM_313 = 'cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64';

const tinyjson: WheelSpec = {
  name: 'tinyjson',
  version: '1.0.0',
  tag: 'py3-none-any',
  files: { 'tinyjson/__init__.py': 'def dumps(v):\n    return str(v)\n' },
  consoleScripts: ['tinyjson = tinyjson:dumps'],
};
const nativeArm: WheelSpec = {
  name: 'fastlib',
  version: '2.0',
  tag: ARM_313,
  files: { 'fastlib/__init__.py': 'NATIVE = True\n' },
};
const nativeX86: WheelSpec = {
  name: 'fastlib',
  version: '2.0',
  tag: 'cp313-cp313-manylinux2014_x86_64',
  files: { 'fastlib/__init__.py': '' },
};

const layer = (overrides: Partial<LayerConfig> = {}): LayerConfig => ({
  name: 'common',
  description: 'test layer',
  runtimes: ['python3.13'],
  architectures: ['arm64'],
  ...overrides,
});

/** A copy of the project whose common layer requires `requirements`. */
function projectWith(requirements: string | undefined): string {
  const root = copyProject();
  const file = path.join(layerSourceDir(root, 'common'), 'requirements.txt');
  if (requirements === undefined) fs.rmSync(file);
  else fs.writeFileSync(file, requirements);
  return root;
}

async function build(root: string, house: string, config = layer(), options: Partial<BuildLayerOptions> = {}) {
  return withEnv(offlinePipEnv(house), () => buildLayer(config, { projectRoot: root, ...options }));
}

async function buildError(
  root: string,
  house: string,
  config = layer(),
  options: Partial<BuildLayerOptions> = {},
): Promise<string> {
  try {
    await build(root, house, config, options);
  } catch (error) {
    expect(error).toBeInstanceOf(LayerBuildError);
    return (error as Error).message;
  }
  throw new Error('expected the build to fail');
}

const readManifest = (root: string, name = 'common'): LayerManifest =>
  JSON.parse(fs.readFileSync(path.join(layerBuildDir(root, name), 'manifest.json'), 'utf8'));

describe('a build from an offline wheelhouse', () => {
  const house = wheelhouse(tinyjson, nativeArm);
  let root: string;
  let result: Awaited<ReturnType<typeof build>>;
  beforeAll(async () => {
    root = projectWith('tinyjson==1.0.0\nfastlib==2.0\n');
    result = await build(root, house);
  });

  test('lays the layer out under python/: own module beside the packages; the manifest and SBOM beside python/', () => {
    const files = listTree(layerBuildDir(root, 'common'));
    expect(files).toContain('manifest.json');
    expect(files).toContain('sbom.cdx.json');
    expect(files).toContain('python/lambda_kit.py');
    expect(files).toContain('python/tinyjson/__init__.py');
    expect(files).toContain('python/fastlib/__init__.py');
    expect(files.filter((f) => !f.startsWith('python/'))).toEqual(['manifest.json', 'sbom.cdx.json']);
  });

  test('leaves out bytecode, console scripts and install-location records', () => {
    const files = listTree(layerBuildDir(root, 'common'));
    const all = fs.readdirSync(path.join(layerBuildDir(root, 'common'), 'python'), { recursive: true }) as string[];
    expect(all.filter((f) => f.includes('__pycache__') || f.endsWith('.pyc'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('python/bin/') || f.endsWith('direct_url.json'))).toEqual([]);
  });

  test('writes a manifest of packages, versions, tags, target, sizes and fingerprint', () => {
    const manifest = readManifest(root);
    expect(manifest).toMatchObject({
      formatVersion: 1,
      layer: 'common',
      runtimes: ['python3.13'],
      architectures: ['arm64'],
      pythonVersion: '3.13',
      platform: 'manylinux2014_aarch64,manylinux_2_34_aarch64',
      packages: [
        { name: 'fastlib', version: '2.0', tags: [ARM_313] },
        { name: 'tinyjson', version: '1.0.0', tags: ['py3-none-any'] },
      ],
    });
    expect(manifest.fingerprint).toBe(builtFingerprint(layerBuildDir(root, 'common'), layer()));
    expect(manifest.unzippedBytes).toBeGreaterThan(0);
    expect(result.skipped).toBe(false);
  });

  test('is what synth then packages: resolveLayerContents picks the build and its fingerprint', () => {
    const [content] = resolveLayerContents([layer()], { projectRoot: root, strict: true });
    expect(content).toMatchObject({
      kind: 'built',
      assetPath: layerBuildDir(root, 'common'),
      fingerprint: readManifest(root).fingerprint,
    });
  });

  test('is what a synth packages: the third-party packages are inside the layer asset, the fingerprint in the functions', () => {
    const { created, assembly } = synthApp({ projectRoot: root });
    const stage = created.pipelineStack.environments[0];
    const layersArtifact = assembly
      .getNestedAssembly(stage.layerStage.artifactId)
      .getStackArtifact(stage.layerStage.layersStack.artifactId);
    const [common] = Object.values(layersArtifact.template.Resources as Record<string, any>).filter(
      (r) => r.Type === 'AWS::Lambda::LayerVersion' && r.Properties.LayerName.endsWith('-common'),
    );
    const assetDir = path.join(layersArtifact.assembly.directory, common.Metadata['aws:asset:path']);
    expect(listTree(assetDir)).toEqual(
      listTree(path.join(layerBuildDir(root, 'common'))).filter((f) => f.startsWith('python/')),
    );
    expect(listTree(assetDir)).toContain('python/tinyjson/__init__.py');
    const orders = stage.functionStages[0].functionStacks.find((s) => s.node.id === 'Orders')!;
    const fns = Object.values(Template.fromStack(orders).findResources('AWS::Lambda::Function'));
    for (const fn of fns)
      expect(fn.Properties.Environment.Variables.LAYER_FINGERPRINT_COMMON).toBe(readManifest(root).fingerprint);
  });

  test('is byte-identical when built again in another folder, at another time', async () => {
    const other = projectWith('tinyjson==1.0.0\nfastlib==2.0\n');
    const past = new Date('2001-01-01T00:00:00Z');
    for (const rel of listTree(layerSourceDir(other, 'common')))
      fs.utimesSync(path.join(layerSourceDir(other, 'common'), rel), past, past);
    await build(other, house);
    expect(hashTree(layerBuildDir(other, 'common'))).toBe(hashTree(layerBuildDir(root, 'common')));
    expect(readManifest(other)).toEqual(readManifest(root));
  });

  test('a rebuild with nothing changed does nothing; a changed file rebuilds', async () => {
    const again = await build(root, house);
    expect(again.skipped).toBe(true);
    fs.appendFileSync(path.join(layerSourceDir(root, 'common'), 'python', 'lambda_kit.py'), '\n# changed\n');
    const changed = await build(root, house);
    expect(changed.skipped).toBe(false);
    expect(changed.manifest.fingerprint).not.toBe(result.manifest.fingerprint);
  });
});

describe('checks', () => {
  test('a missing requirements.txt builds the own code only', async () => {
    const root = projectWith(undefined);
    const { manifest } = await build(root, wheelhouse());
    expect(manifest.packages).toEqual([]);
    expect(listTree(path.join(layerBuildDir(root, 'common'), 'python'))).toEqual(['lambda_kit.py']);
  });

  test('a wheel that cannot run on every declared runtime is refused, naming package, runtime and fix', async () => {
    const message = await buildError(
      projectWith('fastlib==2.0\n'),
      wheelhouse(nativeArm),
      layer({ runtimes: ['python3.13', 'python3.12'] }),
    );
    expect(message).toContain(`Layer "common": fastlib 2.0 (wheel tags ${ARM_313}) cannot run on python3.12 arm64`);
    expect(message).toContain('Fix: pin versions that publish wheels for every runtime and architecture');
  });

  test('a wheel for one architecture is refused for a layer declaring two', async () => {
    const message = await buildError(
      projectWith('fastlib==2.0\n'),
      wheelhouse(nativeArm),
      layer({ architectures: ['arm64', 'x86_64'] }),
    );
    expect(message).toContain('cannot run on python3.13 x86_64');
  });

  test('a package without a wheel for the platform names it, the platform and what to do', async () => {
    const message = await buildError(projectWith('fastlib==2.0\n'), wheelhouse(nativeX86));
    expect(message).toBe(
      'Layer "common": no wheel of fastlib==2.0 fits python3.13 (CPython 3.13) on manylinux2014_aarch64 / manylinux_2_34_aarch64. ' +
        'The layer is built for Lambda, so only binary wheels for that platform can be used. Fix: pin a version of the package ' +
        'that publishes such a wheel, choose another runtime or architecture for the layer, or, if your index serves them, ' +
        'check PIP_INDEX_URL / PIP_FIND_LINKS.',
    );
  });

  test('a pinned version the index does not have is named, with the versions it has, not blamed on the platform', async () => {
    const message = await buildError(projectWith('tinyjson==99.0.0\n'), wheelhouse(tinyjson));
    expect(message).toBe(
      `Layer "common": tinyjson==99.0.0 asks for a version the index does not have: it offers ${tinyjson.version} ` +
        '(the versions with a wheel for python3.13 (CPython 3.13) on manylinux2014_aarch64 / manylinux_2_34_aarch64). ' +
        `Fix: pin one of them in requirements.txt, e.g. "tinyjson==${tinyjson.version}".`,
    );
  });

  test('a malformed requirements.txt is named', async () => {
    const message = await buildError(
      projectWith('tinyjson==1.0.0\nthis is not a requirement!\n'),
      wheelhouse(tinyjson),
    );
    expect(message).toMatch(
      /^Layer "common": requirements.txt has a line pip cannot read: ".*this is not a requirement!.*"/,
    );
  });

  test('an unreachable index is reported as such', async () => {
    const root = projectWith('tinyjson==1.0.0\n');
    const message = await withEnv(
      // One retry: pip says why it retries (by default it retries 5 times); with none it only says "no version".
      {
        ...offlinePipEnv(''),
        PIP_NO_INDEX: undefined,
        PIP_FIND_LINKS: undefined,
        PIP_RETRIES: '1',
        PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
      },
      async () => {
        try {
          await buildLayer(layer(), { projectRoot: root });
        } catch (error) {
          return (error as Error).message;
        }
        return 'no error';
      },
    );
    expect(message).toMatch(
      /^Layer "common": pip could not reach the package index \(http:\/\/127\.0\.0\.1:9\/simple\)\. Fix:/,
    );
  });

  test('a failed build leaves the previous good build in place, and no temporary folder', async () => {
    const root = projectWith('tinyjson==1.0.0\n');
    const house = wheelhouse(tinyjson);
    const good = await build(root, house);
    fs.writeFileSync(path.join(layerSourceDir(root, 'common'), 'requirements.txt'), 'missing-package==1.0\n');
    await buildError(root, house);
    expect(readManifest(root)).toEqual(good.manifest);
    expect(builtFingerprint(layerBuildDir(root, 'common'), layer())).toBe(good.manifest.fingerprint);
    expect(fs.readdirSync(path.dirname(layerBuildDir(root, 'common')))).toEqual(['common']);
  });

  test('an own module with the name of an installed package is refused', async () => {
    const root = projectWith('tinyjson==1.0.0\n');
    fs.mkdirSync(path.join(layerSourceDir(root, 'common'), 'python', 'tinyjson'));
    fs.writeFileSync(path.join(layerSourceDir(root, 'common'), 'python', 'tinyjson', '__init__.py'), '');
    expect(await buildError(root, wheelhouse(tinyjson))).toContain(
      'its own python/tinyjson has the name of an installed package',
    );
  });

  test('a layer over the size limit is refused, with its size', async () => {
    const message = await buildError(projectWith('tinyjson==1.0.0\n'), wheelhouse(tinyjson), layer(), {
      unzippedLimitBytes: 100,
    });
    expect(message).toMatch(/^Layer "common": unzipped it is [\d.]+ KB, over the limit of 0\.1 KB/);
  });

  test('a layer without python/ is refused before pip runs', async () => {
    const root = copyProject();
    fs.rmSync(path.join(layerSourceDir(root, 'domain'), 'python'), { recursive: true });
    expect(await buildError(root, wheelhouse(), layer({ name: 'domain' }))).toBe(
      'Layer "domain": has no layers/domain/python/ folder. Fix: put the layer\'s modules in layers/domain/python/ ' +
        '(Lambda mounts it as /opt/python); third-party packages go in layers/domain/requirements.txt.',
    );
  });

  test("the runtime's boto3 shipped in a layer is reported as a warning", async () => {
    const boto3: WheelSpec = {
      name: 'boto3',
      version: '1.0.0',
      tag: 'py3-none-any',
      files: { 'boto3/__init__.py': '' },
    };
    const { warnings } = await build(projectWith('boto3==1.0.0\n'), wheelhouse(boto3));
    expect(warnings).toEqual([
      expect.stringContaining('Layer "common" ships boto3, which shadows the runtime\'s own copy'),
    ]);
  });
});

describe('npm run build:layers', () => {
  const root = copyProjectWithTools();
  const cli = (...args: string[]) => runEntryPoint(root, 'bin/build-layers.ts', args);

  test.each([
    [
      ['no-such-layer'],
      'unknown layer "no-such-layer": the layers in cdk.json are "common", "domain". Fix: name one of them, or declare the layer under config.layers.',
    ],
    [['--architecture', 'sparc'], '--architecture "sparc" is not one of x86_64, arm64'],
    [['--fast'], 'unknown option --fast'],
  ])('%j is a usage error, before anything is built', (args, message) => {
    const run = cli(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('usage: npm run build:layers');
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('shadowing between layers of one function', () => {
  test('a module in two layers used together is reported; layers never used together are not', () => {
    const root = copyProject();
    const dirs: Record<string, string> = {};
    for (const [name, modules] of Object.entries({
      a: ['util.py', 'alpha.py'],
      b: ['util', 'beta.py'],
      c: ['util.py'],
    })) {
      dirs[name] = path.join(root, 'shadow', name);
      fs.mkdirSync(dirs[name], { recursive: true });
      for (const m of modules) {
        if (m.endsWith('.py')) fs.writeFileSync(path.join(dirs[name], m), '');
        else fs.mkdirSync(path.join(dirs[name], m));
      }
    }
    const problems = shadowingProblems(
      [
        { name: 'f1', layers: ['a', 'b'] },
        { name: 'f2', layers: ['c'] },
      ],
      (l) => dirs[l],
    );
    expect(problems).toEqual([
      expect.stringMatching(/^Layers "a" and "b", both used by function "f1", both ship util: /),
    ]);
  });
});
