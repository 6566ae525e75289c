import { createHash } from 'crypto';
import { Annotations, AssetHashType, IgnoreMode, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { layerVersionDescription } from '../layer-content/layer-fingerprint';
import { sbomAssetHash } from '../layer-content/layer-sbom-location';
import { LAYER_ASSET_EXCLUDE, LayerContent } from '../layer-content/layer-source';
import { toLambdaArchitecture, toLambdaRuntime } from './lambda-types';

/** Props of {@link PythonLayer}. */
export interface PythonLayerProps {
  /** What the layer is made of, as resolved once per synth by `resolveLayerContents`. */
  readonly content: LayerContent;
  /**
   * Name of the layer in Lambda (versions accumulate under it).
   * @default - a name CloudFormation generates
   */
  readonly layerVersionName?: string;
  /**
   * Whether each published version outlives its stack (a rollback or an older function version may still name it).
   * @default true
   */
  readonly retain?: boolean;
}

/**
 * A Python layer version whose zip holds `python/` at the top, as Lambda mounts it under `/opt/python`.
 *
 * The asset hash is the layer fingerprint, so an unchanged layer is the same asset and the same version, and a
 * changed one is a new version. Versions are retained: a rollback, or an older function version, may still use them.
 */
export class PythonLayer extends Construct {
  readonly layerVersion: lambda.LayerVersion;
  readonly fingerprint: string;
  /**
   * Changes whenever CloudFormation publishes a new version of the layer: with its content, runtimes and
   * architectures (the fingerprint) and with its description. Functions put it in their version's hash, so a new
   * layer version always moves their `live` alias.
   */
  readonly versionKey: string;
  /**
   * The layer's bill of materials, published beside its zip in every account and region the layer is, under a key
   * that follows from the fingerprint (`sbomLocation`); only a built layer has one.
   */
  readonly sbom?: s3assets.Asset;

  constructor(scope: Construct, id: string, props: PythonLayerProps) {
    super(scope, id);
    const { layer, assetPath, fingerprint, warning } = props.content;
    this.fingerprint = fingerprint;
    const description = layerVersionDescription(layer.description, fingerprint);
    this.versionKey = createHash('sha256').update(description).digest('hex').slice(0, 32);
    if (warning) {
      Annotations.of(this).addWarningV2('python-layers:layer-not-built', warning);
    }
    this.layerVersion = new lambda.LayerVersion(this, 'Version', {
      code: lambda.Code.fromAsset(assetPath, {
        exclude: LAYER_ASSET_EXCLUDE,
        ignoreMode: IgnoreMode.GIT,
        assetHashType: AssetHashType.CUSTOM,
        assetHash: fingerprint,
      }),
      layerVersionName: props.layerVersionName,
      description,
      compatibleRuntimes: layer.runtimes.map(toLambdaRuntime),
      compatibleArchitectures: layer.architectures.map(toLambdaArchitecture),
      removalPolicy: props.retain === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    if (props.content.sbomPath) {
      // Nothing references it: the asset manifest alone has it published (by the pipeline's Assets stage, or cdk deploy).
      this.sbom = new s3assets.Asset(this, 'Sbom', {
        path: props.content.sbomPath,
        assetHashType: AssetHashType.CUSTOM,
        assetHash: sbomAssetHash(fingerprint),
      });
    }
  }
}
