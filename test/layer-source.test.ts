/**
 * Where a layer's content comes from at synth: a current build in `build/layers/<layer>`, or the layer's own source
 * (with a warning, or an error in strict mode), and what ends up in the staged layer and function assets.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  ASSET_RESOURCE_METADATA_PATH_KEY,
  AssetManifestArtifact,
  CloudAssembly,
  CloudFormationStackArtifact,
} from 'aws-cdk-lib/cx-api';
import type { CreatedApp } from '../bin/main';
import { PROJECT_ROOT } from '../bin/project';
import { LayerConfig } from '../lib/config/layers-config';
import { parseConfig } from '../lib/config/app-config';
import { ConfigError } from '../lib/config/config-error';
import type { FunctionStack } from '../lib/constructs/function-stack';
import { builtFingerprint, listTree, sourceFingerprint } from '../lib/layer-content/layer-fingerprint';
import { LayerManifest, MANIFEST_FILE } from '../lib/layer-content/layer-manifest';
import { LayerContent, resolveLayerContents } from '../lib/layer-content/layer-source';
import { layerFingerprintVariable } from '../lib/config/naming';
import { functionCodeDir, layerBuildDir, layerSourceDir } from '../lib/config/project-layout';
import { pythonVersionOf } from '../lib/config/runtimes';
import { layerSbom, ownModulesOf } from '../lib/layer-build/layer-sbom';
import { manifestPlatform } from '../lib/layer-build/wheel-tags';
import { SBOM_FILE, sbomLocation } from '../lib/layer-content/layer-sbom-location';
import { baseConfig, buildApp, configErrorOf, copyProject, errorOf, FIXTURE_ROOT, synthApp } from './helpers';

/** The command users run to build layers, as the warnings and errors name it. */
const BUILD_LAYERS = 'npm run build:layers';
const config = baseConfig();
const LAYERS: readonly LayerConfig[] = parseConfig(config, { projectRoot: FIXTURE_ROOT }).layers;

function layerConfig(name: string): LayerConfig {
  const layer = LAYERS.find((l) => l.name === name);
  if (!layer) throw new Error(`no layer "${name}" in cdk.json`);
  return layer;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing files, and simulated builds
// ---------------------------------------------------------------------------------------------------------------

function writeFile(file: string, content: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/**
 * Does what the layer builder does, short of pip: copies the layer's `python/` into `build/layers/<layer>` and
 * writes a manifest with the fingerprints the builder records (`resolveLayerContents` reads no other field), and the
 * SBOM of what it holds.
 */
async function simulateBuild(root: string, layer: LayerConfig): Promise<LayerManifest> {
  const buildDir = layerBuildDir(root, layer.name);
  fs.rmSync(buildDir, { recursive: true, force: true });
  fs.cpSync(path.join(layerSourceDir(root, layer.name), 'python'), path.join(buildDir, 'python'), { recursive: true });
  const files = listTree(buildDir);
  const manifest: LayerManifest = {
    formatVersion: 1,
    layer: layer.name,
    builderVersion: 'simulated-by-layer-source.test.ts',
    sourceFingerprint: sourceFingerprint(layerSourceDir(root, layer.name), layer),
    fingerprint: builtFingerprint(buildDir, layer),
    runtimes: layer.runtimes,
    architectures: layer.architectures,
    pythonVersion: pythonVersionOf(layer.runtimes[0]),
    platform: manifestPlatform(layer.runtimes[0], layer.architectures[0]),
    packages: [],
    ownModules: ownModulesOf(path.join(layerSourceDir(root, layer.name), 'python')),
    unzippedBytes: files.reduce((sum, rel) => sum + fs.statSync(path.join(buildDir, rel)).size, 0),
    fileCount: files.length,
  };
  writeFile(path.join(buildDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  const sbom = await layerSbom({ manifest, pythonDir: path.join(buildDir, 'python'), wheels: new Map() });
  writeFile(path.join(buildDir, SBOM_FILE), sbom);
  return manifest;
}

// ---------------------------------------------------------------------------------------------------------------
// Resolving and inspecting
// ---------------------------------------------------------------------------------------------------------------

function resolve(
  root: string,
  options: { strict?: boolean; layers?: readonly LayerConfig[] } = {},
): Map<string, LayerContent> {
  const contents = resolveLayerContents(options.layers ?? LAYERS, { projectRoot: root, strict: options.strict });
  return new Map(contents.map((content) => [content.layer.name, content]));
}

function strictError(root: string, layers: readonly LayerConfig[] = LAYERS): ConfigError {
  return configErrorOf(() => resolve(root, { strict: true, layers }));
}

/** Expects `content` to be the layer's source, fingerprinted as source. */
function expectSource(root: string, content: LayerContent | undefined, layer: LayerConfig = content!.layer) {
  expect(content).toMatchObject({
    kind: 'source',
    assetPath: layerSourceDir(root, layer.name),
    fingerprint: sourceFingerprint(layerSourceDir(root, layer.name), layer),
  });
  expect(content!.manifest).toBeUndefined();
}

/** Every file below `dir`, nothing ignored, as sorted `/`-separated relative paths. */
function filesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk('');
  return out.sort();
}

function stackArtifact(assembly: CloudAssembly, stack: Stack): CloudFormationStackArtifact {
  const all = (a: CloudAssembly): CloudFormationStackArtifact[] => [
    ...a.stacks,
    ...a.nestedAssemblies.flatMap((n) => all(n.nestedAssembly)),
  ];
  const artifact = all(assembly).find((s) => s.hierarchicalId === stack.node.path);
  if (!artifact) throw new Error(`no stack artifact for ${stack.node.path}`);
  return artifact;
}

/** The folder synth staged a resource's asset in, from the resource's `aws:asset:path` (relative to its assembly). */
function stagedAssetDir(artifact: CloudFormationStackArtifact, logicalId: string): string {
  const assetPath = artifact.template.Resources[logicalId]?.Metadata?.[ASSET_RESOURCE_METADATA_PATH_KEY];
  if (typeof assetPath !== 'string')
    throw new Error(`${artifact.hierarchicalId}/${logicalId} has no ${ASSET_RESOURCE_METADATA_PATH_KEY} metadata`);
  const dir = path.resolve(artifact.assembly.directory, assetPath);
  expect(fs.statSync(dir).isDirectory()).toBe(true);
  return dir;
}

function layerVersionId(artifact: CloudFormationStackArtifact, environmentName: string, layer: string): string {
  const layerName = `${config.appName}-${environmentName}-${layer}`;
  const resources = artifact.template.Resources;
  const ids = Object.keys(resources).filter((id) => resources[id].Properties?.LayerName === layerName);
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** The function stack of `fn` in every environment, with the logical id of the function. */
function functionInEveryEnvironment(created: CreatedApp, fn: string): { stack: FunctionStack; logicalId: string }[] {
  return created.pipelineStack.environments.map((env) => {
    const stack = env.functionStages.flatMap((stage) => stage.functionStacks).find((s) => s.functions.has(fn));
    if (!stack) throw new Error(`no function stack holds ${fn} in ${env.environment.name}`);
    return {
      stack,
      logicalId: stack.getLogicalId(stack.functions.get(fn)!.function.node.defaultChild as lambda.CfnFunction),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------

describe('a layer that is not built', () => {
  let root: string;
  let contents: Map<string, LayerContent>;
  beforeAll(() => {
    root = copyProject();
    contents = resolve(root);
  });

  test('is packaged from its source folder, with its source fingerprint', () => {
    expect([...contents.keys()]).toEqual(LAYERS.map((l) => l.name));
    for (const layer of LAYERS) expectSource(root, contents.get(layer.name), layer);
  });

  test('common, which has a requirements.txt, comes with a warning naming the command that builds it', () => {
    expect(fs.existsSync(path.join(layerSourceDir(root, 'common'), 'requirements.txt'))).toBe(true);
    const warning = contents.get('common')!.warning;
    expect(warning).toContain('Layer "common" is not built');
    expect(warning).toContain(`"${BUILD_LAYERS}"`);
    const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts).toHaveProperty(BUILD_LAYERS.replace(/^npm run /, '')); // the command named exists
  });

  test('domain, which has no requirements.txt, comes without a warning: its source is all there is to it', () => {
    expect(fs.existsSync(path.join(layerSourceDir(root, 'domain'), 'requirements.txt'))).toBe(false);
    expect(contents.get('domain')!.warning).toBeUndefined();
  });

  test('strict mode fails, listing every layer at once, each with the command that builds it', () => {
    const error = strictError(root);
    expect(error.problems.map((p) => p.setting)).toEqual(LAYERS.map((l) => `layer "${l.name}"`));
    expect(error.problems.map((p) => p.message)).toEqual(LAYERS.map(() => 'is not built'));
    expect(error.message).toContain(`has ${LAYERS.length} problems`);
    for (const layer of LAYERS) expect(error.message).toContain(`${BUILD_LAYERS} -- ${layer.name}`);
  });

  test('-c strictLayers=true fails the app with that same error', () => {
    const strictApp = () => buildApp({ projectRoot: root, context: { strictLayers: 'true' } });
    expect(strictApp).toThrow(ConfigError); // which bin/main.ts prints as a message, without a stack trace
    expect(errorOf(strictApp)).toBe(strictError(root).message);
  });
});

describe('a synth with a current build of domain, and common from its source', () => {
  const domain = layerConfig('domain');
  /** Bytecode that running the Python tests leaves beside the sources; it must never reach an asset. */
  const bytecode = {
    common: 'python/__pycache__/lambda_kit.cpython-313.pyc',
    priceOrder: '__pycache__/handler.cpython-313.pyc',
  };
  /** A test file whose name is no `test_*.py`: only the exclusion of the tests/ folder keeps it out of the asset. */
  const conftest = 'tests/conftest.py';
  let root: string;
  let manifest: LayerManifest;
  let contents: Map<string, LayerContent>;
  let created: CreatedApp;
  let assembly: CloudAssembly;

  beforeAll(async () => {
    root = copyProject();
    manifest = await simulateBuild(root, domain);
    writeFile(path.join(layerSourceDir(root, 'common'), bytecode.common), 'bytecode');
    writeFile(path.join(functionCodeDir(root, 'price-order'), bytecode.priceOrder), 'bytecode');
    writeFile(path.join(functionCodeDir(root, 'price-order'), conftest), 'import pytest\n');
    contents = resolve(root);
    // `cdk synth` asks for asset metadata (aws:asset:path) by default; a plain App needs to be told.
    ({ created, assembly } = synthApp({ projectRoot: root }));
  });

  const layersStacks = () =>
    created.pipelineStack.environments.map((env) => ({
      environmentName: env.environment.name,
      artifact: stackArtifact(assembly, env.layerStage.layersStack),
    }));

  test('packages the build of domain, with the built fingerprint its manifest records', () => {
    const buildDir = layerBuildDir(root, 'domain');
    expect(contents.get('domain')).toEqual({
      layer: domain,
      kind: 'built',
      assetPath: buildDir,
      fingerprint: manifest.fingerprint,
      manifest,
      sbomPath: path.join(buildDir, SBOM_FILE),
    });
    expect(manifest.fingerprint).toBe(builtFingerprint(buildDir, domain));
    // A built layer is another layer version than its source, even with the same python/ tree.
    expect(manifest.fingerprint).not.toBe(sourceFingerprint(layerSourceDir(root, 'domain'), domain));
  });

  test('still packages common from its source, and strict mode now lists common only', () => {
    expectSource(root, contents.get('common'));
    expect(strictError(root).problems.map((p) => p.setting)).toEqual(['layer "common"']);
  });

  test('describes the domain layer with the built fingerprint in every environment', () => {
    for (const { environmentName, artifact } of layersStacks()) {
      const resource = artifact.template.Resources[layerVersionId(artifact, environmentName, 'domain')];
      expect(resource.Properties.Description).toBe(`${domain.description} [fingerprint ${manifest.fingerprint}]`);
    }
  });

  test('gives the functions that use domain the built fingerprint in their environment', () => {
    const users = Object.keys(config.functions).filter((fn) => config.functions[fn].layers.includes('domain'));
    expect(users).toEqual(['price-order']);
    for (const { stack, logicalId } of functionInEveryEnvironment(created, 'price-order')) {
      const fn = stackArtifact(assembly, stack).template.Resources[logicalId];
      expect(fn.Properties.Environment.Variables[layerFingerprintVariable('domain')]).toBe(manifest.fingerprint);
    }
  });

  test('stages the built python/ tree as the domain layer asset, without the manifest and the SBOM', () => {
    const built = listTree(layerBuildDir(root, 'domain'));
    expect(built).toContain(MANIFEST_FILE);
    expect(built).toContain(SBOM_FILE);
    for (const { environmentName, artifact } of layersStacks()) {
      const files = filesIn(stagedAssetDir(artifact, layerVersionId(artifact, environmentName, 'domain')));
      expect(files).toContain('python/domain/__init__.py');
      expect(files).toEqual(built.filter((f) => f.startsWith('python/')));
    }
  });

  test("publishes domain's SBOM beside its zip in each environment, where the fingerprint finds it; common has none", () => {
    const sbom = fs.readFileSync(path.join(layerBuildDir(root, 'domain'), SBOM_FILE));
    for (const { artifact } of layersStacks()) {
      const assets = artifact.dependencies.find((d) => d instanceof AssetManifestArtifact) as AssetManifestArtifact;
      const files: Record<string, any> = JSON.parse(fs.readFileSync(assets.file, 'utf8')).files;
      const { account, region } = artifact.environment;
      const where = sbomLocation(account, region, manifest.fingerprint);
      // Besides the template (a file asset too): the two layers' zips and one SBOM, domain's.
      const assetsOf = Object.values(files).filter((f) => !f.source.path.endsWith('.template.json'));
      expect(assetsOf.map((f) => f.displayName).sort()).toEqual([
        'Common/Version/Code',
        'Domain/Sbom',
        'Domain/Version/Code',
      ]);
      const jsonFiles = assetsOf.filter((f) => f.displayName === 'Domain/Sbom');
      expect(Object.values(jsonFiles[0].destinations)).toEqual([
        expect.objectContaining({ bucketName: where.bucket, objectKey: where.key }),
      ]);
      expect(fs.readFileSync(path.join(path.dirname(assets.file), jsonFiles[0].source.path))).toEqual(sbom);
    }
  });

  test('stages only python/ of the common source as its layer asset: no requirements.txt, tests/ or bytecode', () => {
    const source = layerSourceDir(root, 'common');
    const sourceFiles = filesIn(source);
    expect(sourceFiles).toEqual(expect.arrayContaining(['requirements.txt', bytecode.common]));
    expect(sourceFiles.filter((f) => f.startsWith('tests/'))).not.toHaveLength(0);
    for (const { environmentName, artifact } of layersStacks()) {
      const assetDir = stagedAssetDir(artifact, layerVersionId(artifact, environmentName, 'common'));
      expect(filesIn(assetDir)).toEqual(listTree(source).filter((f) => f.startsWith('python/')));
      expect(filesIn(assetDir)).toContain('python/lambda_kit.py');
      expect(fs.readdirSync(assetDir)).toEqual(['python']);
    }
  });

  test('stages the code of price-order without its tests/ folder and bytecode', () => {
    const codeDir = functionCodeDir(root, 'price-order');
    expect(filesIn(codeDir)).toEqual(
      expect.arrayContaining(['handler.py', 'tests/test_handler.py', conftest, bytecode.priceOrder]),
    );
    for (const { stack, logicalId } of functionInEveryEnvironment(created, 'price-order')) {
      const assetDir = stagedAssetDir(stackArtifact(assembly, stack), logicalId);
      expect(filesIn(assetDir)).toEqual(['handler.py']);
      expect(fs.existsSync(path.join(assetDir, 'tests'))).toBe(false);
    }
  });
});

describe('a build that is stale', () => {
  const common = layerConfig('common');
  /** Changes made after the build; each returns the layer configuration synth then runs with. */
  const changes: [string, (root: string) => readonly LayerConfig[]][] = [
    [
      'its python/ source changed',
      (root) => {
        fs.appendFileSync(
          path.join(layerSourceDir(root, 'common'), 'python', 'lambda_kit.py'),
          '# changed after the build\n',
        );
        return LAYERS;
      },
    ],
    [
      'its requirements.txt changed',
      (root) => {
        fs.appendFileSync(
          path.join(layerSourceDir(root, 'common'), 'requirements.txt'),
          'python-dateutil==2.9.0.post0\n',
        );
        return LAYERS;
      },
    ],
    [
      'its architectures changed',
      () => LAYERS.map((l) => (l.name === 'common' ? { ...l, architectures: ['arm64', 'x86_64'] } : l)),
    ],
  ];

  test.each(changes)('(%s) falls back to the source with a warning, and fails strict mode', async (_, change) => {
    const root = copyProject();
    await simulateBuild(root, common);
    expect(resolve(root).get('common')!.kind).toBe('built');
    const layers = change(root);

    const content = resolve(root, { layers }).get('common');
    expectSource(
      root,
      content,
      layers.find((l) => l.name === 'common'),
    );
    expect(content!.warning).toContain('stale');
    expect(content!.warning).toContain(`"${BUILD_LAYERS}"`);

    const error = strictError(root, layers);
    expect(error.problems.map((p) => p.setting)).toEqual(LAYERS.map((l) => `layer "${l.name}"`));
    expect(error.problems.find((p) => p.setting === 'layer "common"')!.message).toContain('stale');
    expect(error.message).toContain(`${BUILD_LAYERS} -- common`);
  });
});

describe('a build changed after it was built', () => {
  const common = layerConfig('common');
  const module = ['python', 'lambda_kit.py'];
  const tamperings: [string, (buildDir: string) => void][] = [
    ['an edited module', (buildDir) => fs.appendFileSync(path.join(buildDir, ...module), '# edited in the build\n')],
    ['an added module', (buildDir) => writeFile(path.join(buildDir, 'python', 'extra.py'), 'EXTRA = True\n')],
    ['a removed module', (buildDir) => fs.rmSync(path.join(buildDir, ...module))],
  ];

  test.each(tamperings)('(%s) falls back to the source with a warning, and fails strict mode', async (_, tamper) => {
    const root = copyProject();
    const manifest = await simulateBuild(root, common);
    const buildDir = layerBuildDir(root, 'common');
    tamper(buildDir);

    const content = resolve(root).get('common');
    expectSource(root, content);
    expect(content!.warning).toContain('changed after it was built');
    expect(content!.warning).toContain(`manifest says ${manifest.fingerprint}`);
    expect(content!.warning).toContain(`fingerprint ${builtFingerprint(buildDir, common)}`);

    const error = strictError(root);
    expect(error.problems.find((p) => p.setting === 'layer "common"')!.message).toContain('changed after it was built');
  });

  test('bytecode that running the build writes into it is no change: the build stays current', async () => {
    const root = copyProject();
    const manifest = await simulateBuild(root, common);
    writeFile(
      path.join(layerBuildDir(root, 'common'), 'python', '__pycache__', 'lambda_kit.cpython-313.pyc'),
      'bytecode',
    );
    expect(resolve(root).get('common')).toMatchObject({ kind: 'built', fingerprint: manifest.fingerprint });
  });
});

describe('a build with an unreadable manifest', () => {
  const common = layerConfig('common');
  const manifests: [string, (manifest: LayerManifest) => string][] = [
    ['not JSON', (manifest) => JSON.stringify(manifest).slice(0, -1)],
    ['another format version', (manifest) => JSON.stringify({ ...manifest, formatVersion: 2 })],
    ['no fingerprint', ({ fingerprint: _, ...manifest }) => JSON.stringify(manifest)],
  ];

  test.each(manifests)('(%s) falls back to the source with a warning, and fails strict mode', async (_, rewrite) => {
    const root = copyProject();
    const manifestFile = path.join(layerBuildDir(root, 'common'), MANIFEST_FILE);
    fs.writeFileSync(manifestFile, rewrite(await simulateBuild(root, common)));

    const content = resolve(root).get('common');
    expectSource(root, content);
    expect(content!.warning).toContain(`unreadable build/layers/common/${MANIFEST_FILE}`);
    expect(strictError(root).problems.find((p) => p.setting === 'layer "common"')!.message).toContain('unreadable');
  });
});

describe('a build that is not whole, of a layer without requirements.txt', () => {
  const domain = layerConfig('domain');

  test('without its python/ falls back to the source with a warning (not a crash), and fails strict mode', async () => {
    const root = copyProject();
    await simulateBuild(root, domain);
    fs.rmSync(path.join(layerBuildDir(root, 'domain'), 'python'), { recursive: true });

    const content = resolve(root).get('domain');
    expectSource(root, content);
    expect(content!.warning).toContain('has an incomplete build (no build/layers/domain/python)');
    expect(strictError(root).problems.find((p) => p.setting === 'layer "domain"')!.message).toContain(
      'incomplete build',
    );
  });

  test('that is stale is reported too, although the source alone would be complete', async () => {
    const root = copyProject();
    await simulateBuild(root, domain);
    fs.appendFileSync(path.join(layerSourceDir(root, 'domain'), 'python', 'domain', 'money.py'), '\n# changed\n');
    expect(resolve(root).get('domain')!.warning).toContain('its build is stale');
  });
});
