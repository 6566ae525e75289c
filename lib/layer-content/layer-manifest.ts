/** The manifest the layer builder writes beside each built layer: `build/layers/<layer>/manifest.json`. */
export interface LayerManifest {
  /** Bumped when the shape of this file changes. */
  readonly formatVersion: 1;
  readonly layer: string;
  /** Version of the builder that made the build; a new builder rebuilds every layer. */
  readonly builderVersion: string;
  /** The layer's source fingerprint when it was built: the build is current while they match. */
  readonly sourceFingerprint: string;
  /** Fingerprint of the built `python/` tree (see `builtFingerprint`). */
  readonly fingerprint: string;
  readonly runtimes: readonly string[];
  readonly architectures: readonly string[];
  /** The Python version pip targeted, e.g. `3.13`. */
  readonly pythonVersion: string;
  /** The platform pip targeted, e.g. `manylinux2014_aarch64`. */
  readonly platform: string;
  /** Every installed distribution, sorted by name. */
  readonly packages: readonly LayerPackage[];
  /** The layer's own modules: the top-level entries of `layers/<layer>/python`, sorted. */
  readonly ownModules: readonly string[];
  /** Size of the unzipped layer, as Lambda counts it against the 250 MB limit. */
  readonly unzippedBytes: number;
  readonly fileCount: number;
}

/** One installed distribution of a built layer. */
export interface LayerPackage {
  readonly name: string;
  readonly version: string;
  /** The wheel's tags from its `WHEEL` file, e.g. `cp313-cp313-manylinux_2_17_aarch64`. */
  readonly tags: readonly string[];
}

export const MANIFEST_FILE = 'manifest.json';
