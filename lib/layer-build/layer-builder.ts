/**
 * The layer builder: turns `layers/<layer>` (own code in `python/`, third-party packages in `requirements.txt`)
 * into `build/layers/<layer>/python`, a tree Lambda can mount at `/opt/python`, built for the layer's runtime and
 * architecture wherever it runs, byte-identical for the same inputs, checked before anything is deployed.
 * The pipeline's CodeBuild step and people on their laptops run the same code: `npm run build:layers`.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { LayerConfig } from '../config/layers-config';
import { layerFolderProblems } from '../config/layers-config';
import { layerBuildDir, layersBuildRoot, layerSourceDir } from '../config/project-layout';
import { pythonVersionOf } from '../config/runtimes';
import { builtFingerprint, listTree, sourceFingerprint } from '../layer-content/layer-fingerprint';
import { LayerManifest, MANIFEST_FILE } from '../layer-content/layer-manifest';
import { SBOM_FILE } from '../layer-content/layer-sbom-location';
import { hasRequirements, readManifest } from '../layer-content/layer-source';
import { ContainerBuildOptions, CONTAINER_PATHS, PIP_REPORT_FILE } from './container-build';
import { LayerBuildError } from './layer-build-error';
import { layerSbom, ownModulesOf, readPipReport } from './layer-sbom';
import { checkDistributions, checkNoAbsolutePaths, copyOwnCode, normalize } from './layer-tree';
import { containerPipInstall, pipInstall } from './pip-install';
import { manifestPlatform } from './wheel-tags';

/** Bumped whenever the builder's output for the same inputs changes: every layer is then rebuilt. */
export const BUILDER_VERSION = '3';

/** Lambda's limit on the unzipped size of a function and all its layers. */
export const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;

/** Distributions the Python runtime already provides: a layer that ships them shadows the runtime's. */
export const RUNTIME_PROVIDED = ['boto3', 'botocore', 's3transfer', 'jmespath', 'urllib3', 'dateutil', 'six'];

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
    const report = path.join(tmp, PIP_REPORT_FILE);
    const requirements = path.join(sourceDir, 'requirements.txt');
    if (hasRequirements(requirements) && options.container) {
      await containerPipInstall(layer, sourceDir, tmp, options.container, log);
      fs.renameSync(path.join(tmp, 'site'), python);
    } else if (hasRequirements(requirements)) {
      await pipInstall(layer, requirements, path.join(tmp, 'site'), options.python ?? 'python3', log, report);
      fs.renameSync(path.join(tmp, 'site'), python);
    } else {
      log(`[${layer.name}] no requirements.txt packages: own code only`);
      fs.mkdirSync(python);
    }
    const wheels = hasRequirements(requirements) ? readPipReport(layer.name, report) : new Map();
    fs.rmSync(report, { force: true });
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
      ownModules: ownModulesOf(path.join(sourceDir, 'python')),
      unzippedBytes,
      fileCount: files.length,
    };
    fs.writeFileSync(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    fs.writeFileSync(path.join(tmp, SBOM_FILE), await layerSbom({ manifest, pythonDir: python, wheels }));
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
    fs.existsSync(path.join(outDir, SBOM_FILE)) &&
    builtFingerprint(outDir, manifest) === manifest.fingerprint;
  return current ? manifest : undefined;
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

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;
}
