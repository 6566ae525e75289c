/**
 * The inventory of an environment's layers (`npm run layers -- ls`): every version of each of the app's layers, what
 * it holds (its fingerprint, size, runtimes), which function versions and aliases use it, which version SSM names
 * now, and the region's code storage against its quota. Only the app's own layers (`<app>-<env>-<layer>`) are read.
 */
import {
  GetAccountSettingsCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  LambdaClient,
  paginateListAliases,
  paginateListFunctions,
  paginateListLayerVersions,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { layerName, layerVersionParameterName } from '../config/naming';
import { fingerprintOfDescription } from '../layer-content/layer-fingerprint';
import { sbomLocation, SbomLocation } from '../layer-content/layer-sbom-location';

/** Lambda lists at most this many items a page (ListFunctions, ListLayerVersions, ListAliases). */
export const LAMBDA_PAGE_SIZE = 50;

/** The environment (or sandbox) whose layers are looked at, and where. */
export interface LifecycleTarget {
  readonly appName: string;
  /** The environment's name as the app names things: `dev`, or `sandbox-alice` for a sandbox. */
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  /** The configured layers to look at (`config.layers`' names). */
  readonly layers: readonly string[];
}

/** The clients of the target's account and region. */
export interface LifecycleClients {
  readonly lambda: LambdaClient;
  readonly ssm: SSMClient;
}

/** A function version that has a layer version attached. */
export interface FunctionVersionUse {
  readonly functionName: string;
  /** `$LATEST` or a published version's number. */
  readonly version: string;
  /** The aliases that route to this version (`live`), during a weighted shift too. */
  readonly aliases: readonly string[];
}

/** One published version of one of the app's layers. */
export interface LayerVersionEntry {
  readonly version: number;
  readonly arn: string;
  /** When Lambda published it (ISO 8601). */
  readonly created: string;
  /** The zip's size in bytes, as it counts against the region's code storage. */
  readonly codeSize: number;
  readonly description: string;
  /** The fingerprint its description carries, if any. */
  readonly fingerprint?: string;
  readonly runtimes: readonly string[];
  readonly architectures: readonly string[];
  readonly usedBy: readonly FunctionVersionUse[];
  /** Whether the layer's SSM parameter names this version: what the next function deploy attaches. */
  readonly namedBySsm: boolean;
  /** Whether a layer version policy shares it (with another account, whose functions cannot be seen from here). */
  readonly shared: boolean;
  /** Where the pipeline published the bill of materials of what it holds (found by its fingerprint). */
  readonly sbom?: SbomLocation;
}

/** One of the app's layers in the environment. */
export interface LayerEntry {
  /** The layer's name in the configuration (`common`). */
  readonly layer: string;
  /** Its name in Lambda (`orders-dev-common`). */
  readonly layerName: string;
  /** The SSM parameter that names its current version. */
  readonly ssmParameter: string;
  /** The version SSM names, or undefined when the parameter does not exist. */
  readonly ssmVersion?: number;
  /** Every version, newest first. */
  readonly versions: readonly LayerVersionEntry[];
}

/** The region's code storage (all functions and layers of the account there) against its quota. */
export interface CodeStorage {
  readonly usedBytes: number;
  readonly limitBytes: number;
}

/** What `npm run layers -- ls` reports. */
export interface LayerInventory {
  readonly appName: string;
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  readonly codeStorage: CodeStorage;
  readonly layers: readonly LayerEntry[];
}

/** The inventory cannot be made or acted on: the message says why and what to do. */
export class LayerLifecycleError extends Error {}

/** Lambda's layer version ARN: `arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>`. */
function layerVersionArnParts(arn: string): { account: string; name: string; version: number } | undefined {
  const m = /^arn:[^:]+:lambda:[^:]+:(\d{12}):layer:([^:]+):(\d+)$/.exec(arn);
  return m ? { account: m[1], name: m[2], version: Number(m[3]) } : undefined;
}

/**
 * Which function versions of the region (every function, every version and `$LATEST`, not only the app's: a layer
 * version another function uses is used) have one of `arns` attached, by layer version ARN. Reads every page.
 */
export async function functionVersionsUsing(
  lambda: LambdaClient,
  arns: ReadonlySet<string>,
): Promise<Map<string, { functionName: string; version: string }[]>> {
  const uses = new Map<string, { functionName: string; version: string }[]>();
  const pages = paginateListFunctions({ client: lambda, pageSize: LAMBDA_PAGE_SIZE }, { FunctionVersion: 'ALL' });
  for await (const page of pages) {
    for (const fn of page.Functions ?? []) {
      for (const layer of fn.Layers ?? []) {
        if (!layer.Arn || !arns.has(layer.Arn)) continue;
        const list = uses.get(layer.Arn) ?? [];
        list.push({ functionName: fn.FunctionName ?? '', version: fn.Version ?? '$LATEST' });
        uses.set(layer.Arn, list);
      }
    }
  }
  return uses;
}

/** The aliases of a function by the versions they route to (an alias in a weighted shift routes to two). */
async function aliasesByVersion(lambda: LambdaClient, functionName: string): Promise<Map<string, string[]>> {
  const byVersion = new Map<string, string[]>();
  const add = (version: string, alias: string) => byVersion.set(version, [...(byVersion.get(version) ?? []), alias]);
  const pages = paginateListAliases({ client: lambda, pageSize: LAMBDA_PAGE_SIZE }, { FunctionName: functionName });
  for await (const page of pages) {
    for (const alias of page.Aliases ?? []) {
      if (!alias.Name) continue;
      if (alias.FunctionVersion) add(alias.FunctionVersion, alias.Name);
      for (const version of Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {})) add(version, alias.Name);
    }
  }
  return byVersion;
}

/** The version a layer's SSM parameter names, or undefined when there is no parameter. */
export async function ssmVersionOf(ssm: SSMClient, parameter: string): Promise<number | undefined> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: parameter }));
    const value = Number(out.Parameter?.Value);
    return Number.isInteger(value) ? value : undefined;
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}

/** Whether a layer version has a resource policy (shared with other accounts or an organization). */
export async function isShared(lambda: LambdaClient, name: string, version: number): Promise<boolean> {
  try {
    const out = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: version }));
    return Boolean(out.Policy);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

/** Lists every version of the target's layers, what uses each, and the region's code storage. */
export async function layerInventory(clients: LifecycleClients, target: LifecycleTarget): Promise<LayerInventory> {
  const { lambda, ssm } = clients;
  const layers: { layer: string; name: string; parameter: string; ssmVersion?: number; versions: RawVersion[] }[] = [];
  for (const layer of target.layers) {
    const name = layerName(target.appName, target.environment, layer);
    const parameter = layerVersionParameterName(target.appName, target.environment, layer);
    layers.push({ layer, name, parameter, ssmVersion: await ssmVersionOf(ssm, parameter), versions: [] });
    const pages = paginateListLayerVersions({ client: lambda, pageSize: LAMBDA_PAGE_SIZE }, { LayerName: name });
    for await (const page of pages) {
      for (const v of page.LayerVersions ?? []) {
        const parts = v.LayerVersionArn ? layerVersionArnParts(v.LayerVersionArn) : undefined;
        // Lambda lists the layer of this name in this account only; anything else is not the app's to show.
        if (!parts || parts.name !== name || parts.account !== target.account) continue;
        layers[layers.length - 1].versions.push({
          version: parts.version,
          arn: v.LayerVersionArn ?? '',
          created: v.CreatedDate ?? '',
          description: v.Description ?? '',
          runtimes: v.CompatibleRuntimes ?? [],
          architectures: v.CompatibleArchitectures ?? [],
        });
      }
    }
  }
  const arns = new Set(layers.flatMap((l) => l.versions.map((v) => v.arn)));
  const uses = arns.size > 0 ? await functionVersionsUsing(lambda, arns) : new Map();
  const aliases = new Map<string, Map<string, string[]>>();
  for (const fn of new Set([...uses.values()].flat().map((u) => u.functionName))) {
    aliases.set(fn, await aliasesByVersion(lambda, fn));
  }
  const settings = await lambda.send(new GetAccountSettingsCommand({}));

  const entries: LayerEntry[] = [];
  for (const l of layers) {
    const versions: LayerVersionEntry[] = [];
    for (const v of l.versions.sort((a, b) => b.version - a.version)) {
      const details = await lambda.send(new GetLayerVersionCommand({ LayerName: l.name, VersionNumber: v.version }));
      const fingerprint = fingerprintOfDescription(v.description);
      versions.push({
        ...v,
        codeSize: details.Content?.CodeSize ?? 0,
        fingerprint,
        usedBy: (uses.get(v.arn) ?? [])
          .map((u: { functionName: string; version: string }) => ({
            ...u,
            aliases: aliases.get(u.functionName)?.get(u.version) ?? [],
          }))
          .sort(byFunctionVersion),
        namedBySsm: l.ssmVersion === v.version,
        shared: await isShared(lambda, l.name, v.version),
        sbom: fingerprint ? sbomLocation(target.account, target.region, fingerprint) : undefined,
      });
    }
    entries.push({
      layer: l.layer,
      layerName: l.name,
      ssmParameter: l.parameter,
      ssmVersion: l.ssmVersion,
      versions,
    });
  }
  const inventory: LayerInventory = {
    appName: target.appName,
    environment: target.environment,
    account: target.account,
    region: target.region,
    codeStorage: {
      usedBytes: settings.AccountUsage?.TotalCodeSize ?? 0,
      limitBytes: settings.AccountLimit?.TotalCodeSize ?? 0,
    },
    layers: entries,
  };
  if (entries.every((e) => e.versions.length === 0 && e.ssmVersion === undefined)) {
    throw new LayerLifecycleError(
      `${target.environment} (account ${target.account}, region ${target.region}) has none of the app's layers ` +
        `(${entries.map((e) => e.layerName).join(', ')}) and no SSM parameter that names one ` +
        `(${entries.map((e) => e.ssmParameter).join(', ')}): the app's stacks are not deployed there. Fix: check ` +
        "the environment's account and region in cdk.json and the profile's account, or deploy the environment first.",
    );
  }
  return inventory;
}

interface RawVersion {
  readonly version: number;
  readonly arn: string;
  readonly created: string;
  readonly description: string;
  readonly runtimes: readonly string[];
  readonly architectures: readonly string[];
}

function byFunctionVersion(a: FunctionVersionUse, b: FunctionVersionUse): number {
  if (a.functionName !== b.functionName) return a.functionName.localeCompare(b.functionName);
  const n = (v: string) => (v === '$LATEST' ? Number.MAX_SAFE_INTEGER : Number(v));
  return n(a.version) - n(b.version);
}
