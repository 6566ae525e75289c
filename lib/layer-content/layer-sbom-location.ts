/**
 * Where a layer's bill of materials is: beside the build (`build/layers/<layer>/sbom.cdx.json`), and, once the
 * pipeline published it, beside the layer's zip in the CDK assets bucket of each account and region the layer is
 * published to, under a key that follows from the layer's fingerprint alone. So the fingerprint a deployed layer
 * version's description carries finds the SBOM of exactly what that version holds.
 */
import { createHash } from 'crypto';
import { BOOTSTRAP_QUALIFIER } from '../config/naming';

/** The SBOM's file in a layer's build folder. */
export const SBOM_FILE = 'sbom.cdx.json';

/** The custom asset hash of a layer's SBOM asset: the fingerprint, marked as the SBOM's (the zip's is the bare one). */
export function sbomAssetHash(fingerprint: string): string {
  return `sbom-${fingerprint}`;
}

/** An object in S3. */
export interface SbomLocation {
  readonly bucket: string;
  readonly key: string;
}

/**
 * Where the SBOM of the layer with `fingerprint` is published in an account and region: the bootstrap's assets
 * bucket, and the key CDK gives a file asset with a custom hash (the SHA-256 of that hash, then the file's extension).
 */
export function sbomLocation(account: string, region: string, fingerprint: string): SbomLocation {
  const assetHash = createHash('sha256').update(sbomAssetHash(fingerprint)).digest('hex');
  return { bucket: `cdk-${BOOTSTRAP_QUALIFIER}-assets-${account}-${region}`, key: `${assetHash}.json` };
}
