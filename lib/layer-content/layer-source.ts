/**
 * Where a layer's content comes from at synth: the build in `build/layers/<layer>` when it is current, the layer's
 * own source in `layers/<layer>` otherwise (with a warning, or an error in strict mode).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { LayerConfig } from '../config/layers-config';
import { ConfigError, Problem } from '../config/config-error';
import { builtFingerprint, sourceFingerprint } from './layer-fingerprint';
import { LayerManifest, MANIFEST_FILE } from './layer-manifest';
import { SBOM_FILE } from './layer-sbom-location';
import { layerBuildDir, layerSourceDir } from '../config/project-layout';

/** Context key of the strict switch: `cdk synth -c strictLayers=true` fails on a layer that is not built. */
export const STRICT_LAYERS_CONTEXT_KEY = 'strictLayers';

/** The command that builds layers, as users and the pipeline run it. */
export const BUILD_LAYERS_COMMAND = 'npm run build:layers';

/**
 * Asset exclusions (git-ignore syntax) shared by built and source layers: only `python/` goes into the zip, so Lambda
 * mounts it at `/opt/python`; a build's manifest, a layer's requirements and tests stay out.
 */
export const LAYER_ASSET_EXCLUDE = ['/*', '!/python/', '__pycache__/', '*.pyc', '.DS_Store'];

/** What synth packages for one layer. */
export interface LayerContent {
  readonly layer: LayerConfig;
  /** `built` when `build/layers/<layer>` is current, `source` otherwise. */
  readonly kind: 'built' | 'source';
  /** The folder whose `python/` becomes the layer (see {@link LAYER_ASSET_EXCLUDE}). */
  readonly assetPath: string;
  /** The layer fingerprint: built or source, see `layer-fingerprint.ts`. */
  readonly fingerprint: string;
  /** The build's manifest, when built. */
  readonly manifest?: LayerManifest;
  /** The build's bill of materials (`build/layers/<layer>/sbom.cdx.json`), when built. */
  readonly sbomPath?: string;
  /** Why the source is used: said as a warning at synth. */
  readonly warning?: string;
}

/** Options of {@link resolveLayerContents}. */
export interface ResolveLayerOptions {
  readonly projectRoot: string;
  /**
   * Fail instead of falling back to a layer's source when it is not built, or its build is stale (the pipeline).
   * @default false
   */
  readonly strict?: boolean;
}

/**
 * Decides, once per synth, what each layer is made of, and fingerprints it.
 * @throws ConfigError in strict mode, listing every layer that is not built or whose build is stale.
 */
export function resolveLayerContents(layers: readonly LayerConfig[], options: ResolveLayerOptions): LayerContent[] {
  const problems: Problem[] = [];
  const contents = layers.map((layer): LayerContent => {
    const source = layerSourceDir(options.projectRoot, layer.name);
    const fromSource = (reason: string, buildExists: boolean): LayerContent => {
      if (options.strict) {
        problems.push({
          setting: `layer "${layer.name}"`,
          value: undefined,
          message: reason,
          fix: `run "${BUILD_LAYERS_COMMAND} -- ${layer.name}" before synth (strict mode packages built layers only)`,
        });
      }
      // A layer with no third-party packages is complete as source; a build that exists but is unusable is news.
      const needsBuild = buildExists || hasRequirements(path.join(source, 'requirements.txt'));
      return {
        layer,
        kind: 'source',
        assetPath: source,
        fingerprint: sourceFingerprint(source, layer),
        warning: needsBuild
          ? `Layer "${layer.name}" ${reason}: packaging its source (layers/${layer.name}/python) without the packages of ` +
            `its requirements.txt. Run "${BUILD_LAYERS_COMMAND}" to build it as the pipeline does.`
          : undefined,
      };
    };

    const buildDir = layerBuildDir(options.projectRoot, layer.name);
    const manifestFile = path.join(buildDir, MANIFEST_FILE);
    if (!fs.existsSync(manifestFile)) return fromSource('is not built', false);
    const manifest = readManifest(manifestFile);
    if (!manifest) return fromSource(`has an unreadable build/layers/${layer.name}/${MANIFEST_FILE}`, true);
    if (!fs.existsSync(path.join(buildDir, 'python')))
      return fromSource(`has an incomplete build (no build/layers/${layer.name}/python)`, true);
    const sbomPath = path.join(buildDir, SBOM_FILE);
    if (!fs.existsSync(sbomPath))
      return fromSource(
        `has an incomplete build (no bill of materials, build/layers/${layer.name}/${SBOM_FILE})`,
        true,
      );
    if (manifest.sourceFingerprint !== sourceFingerprint(source, layer)) {
      return fromSource(
        'was built from other source, runtimes or architectures than it has now (its build is stale)',
        true,
      );
    }
    const fingerprint = builtFingerprint(buildDir, layer);
    if (fingerprint !== manifest.fingerprint) {
      return fromSource(
        `has a build whose python/ was changed after it was built (fingerprint ${fingerprint}, manifest says ${manifest.fingerprint})`,
        true,
      );
    }
    return { layer, kind: 'built', assetPath: buildDir, fingerprint, manifest, sbomPath };
  });
  if (problems.length > 0) throw new ConfigError(problems, "Strict synth (the pipeline's)");
  return contents;
}

/** Whether a requirements file names any package (comments and blank lines do not count). */
export function hasRequirements(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .some((line) => line.replace(/#.*/, '').trim() !== '');
}

/** A build's manifest, or undefined when it is unreadable or of another format. */
export function readManifest(file: string): LayerManifest | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as LayerManifest;
    return manifest.formatVersion === 1 && typeof manifest.fingerprint === 'string' ? manifest : undefined;
  } catch {
    return undefined;
  }
}
