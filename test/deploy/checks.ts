/**
 * What the deploy suite reads of a deployed environment through the AWS APIs, and the checks it makes of it. The
 * checks are pure functions of what was read, so that `test/deploy-checks.test.ts` shows each one failing on the defect
 * it guards against (a function that did not follow its layer, a layer of another account, a layer version with
 * another fingerprint).
 */
import {
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  paginateListStacks,
  StackStatus,
} from '@aws-sdk/client-cloudformation';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  paginateListLayerVersions,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { GetParameterCommand, ParameterNotFound, paginateGetParametersByPath } from '@aws-sdk/client-ssm';
import type { Clients } from './target';

/** A layer as the configuration has it in one environment. */
export interface ExpectedLayer {
  readonly name: string;
  /** `<app>-<environment>-<layer>`. */
  readonly layerName: string;
  readonly runtimes: readonly string[];
  readonly architectures: readonly string[];
  /** `/<app>/<environment>/layers/<layer>/arn`; the version's is beside it. */
  readonly arnParameter: string;
  readonly versionParameter: string;
}

/** A function as the configuration has it in one environment. */
export interface ExpectedFunction {
  readonly name: string;
  readonly stackName: string;
  /** The key of the stack output holding the function's physical name. */
  readonly output: string;
  readonly runtime: string;
  readonly architecture: string;
  readonly layers: readonly { readonly name: string; readonly fingerprintVariable: string }[];
}

/** A layer version as Lambda lists it. */
export interface LayerVersionSeen {
  readonly arn: string;
  readonly version: number;
  readonly description: string;
  readonly runtimes: readonly string[];
  readonly architectures: readonly string[];
}

/** A layer of the environment: its versions, and what SSM names. */
export interface LayerSeen {
  readonly name: string;
  readonly versions: readonly LayerVersionSeen[];
  readonly ssmArn?: string;
  readonly ssmVersion?: string;
}

/** A function's `live` alias and the configuration of the version it points to. */
export interface FunctionSeen {
  readonly name: string;
  readonly physicalName: string;
  readonly aliasVersion?: string;
  readonly runtime?: string;
  readonly architectures: readonly string[];
  readonly layerArns: readonly string[];
  readonly variables: Readonly<Record<string, string>>;
  readonly boundary?: string;
}

/** Where the environment is. */
export interface Place {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

const FINGERPRINT = /\[fingerprint ([0-9a-f]+)\]$/;

/**
 * Problems of the layers of an environment: each layer published with its name, runtimes and architectures, its
 * description ending with a fingerprint, and SSM naming its newest version of the environment's own account.
 */
export function layerProblems(expected: readonly ExpectedLayer[], seen: readonly LayerSeen[], place: Place): string[] {
  const problems: string[] = [];
  for (const layer of expected) {
    const found = seen.find((s) => s.name === layer.layerName);
    const newest = found?.versions.reduce<LayerVersionSeen | undefined>(
      (a, v) => (a && a.version > v.version ? a : v),
      undefined,
    );
    if (!found || !newest) {
      problems.push(`layer ${layer.layerName}: no version published (ListLayerVersions is empty)`);
      continue;
    }
    const same = (a: readonly string[], b: readonly string[]) => [...a].sort().join() === [...b].sort().join();
    if (!same(newest.runtimes, layer.runtimes))
      problems.push(
        `layer ${layer.layerName}:${newest.version}: runtimes ${newest.runtimes} (expected ${layer.runtimes})`,
      );
    if (!same(newest.architectures, layer.architectures))
      problems.push(
        `layer ${layer.layerName}:${newest.version}: architectures ${newest.architectures} (expected ${layer.architectures})`,
      );
    if (!FINGERPRINT.test(newest.description))
      problems.push(
        `layer ${layer.layerName}:${newest.version}: no fingerprint in its description "${newest.description}"`,
      );
    const arn = layerVersionArn(place, layer.layerName, newest.version);
    if (newest.arn !== arn)
      problems.push(`layer ${layer.layerName}:${newest.version}: ARN ${newest.arn} (expected ${arn})`);
    if (found.ssmArn !== arn) problems.push(`SSM ${layer.arnParameter} = ${found.ssmArn} (expected ${arn})`);
    if (found.ssmVersion !== String(newest.version))
      problems.push(`SSM ${layer.versionParameter} = ${found.ssmVersion} (expected ${newest.version})`);
  }
  return problems;
}

/**
 * Problems of the functions of an environment: `live` on a published version, the configured runtime and
 * architecture, and exactly its layers, each the environment's own (account, name) at the version SSM names, with
 * the fingerprint that version's description carries.
 */
export function functionProblems(
  expected: readonly ExpectedFunction[],
  seen: readonly FunctionSeen[],
  layers: readonly ExpectedLayer[],
  layersSeen: readonly LayerSeen[],
  place: Place,
): string[] {
  const problems: string[] = [];
  for (const fn of expected) {
    const found = seen.find((s) => s.name === fn.name);
    const label = `function ${fn.name} (${fn.stackName})`;
    if (!found) {
      problems.push(`${label}: not deployed (no stack output ${fn.output})`);
      continue;
    }
    if (!found.aliasVersion || !/^\d+$/.test(found.aliasVersion))
      problems.push(`${label}: live points to ${found.aliasVersion ?? 'nothing'}, not a published version`);
    if (found.runtime !== fn.runtime) problems.push(`${label}: runtime ${found.runtime} (expected ${fn.runtime})`);
    if (found.architectures.join() !== fn.architecture)
      problems.push(`${label}: architectures ${found.architectures} (expected ${fn.architecture})`);
    const wanted = fn.layers.map((l) => {
      const layer = layers.find((x) => x.name === l.name)!;
      const ssmVersion = layersSeen.find((s) => s.name === layer.layerName)?.ssmVersion;
      return { ...l, layer, arn: layerVersionArn(place, layer.layerName, Number(ssmVersion)) };
    });
    if (found.layerArns.join() !== wanted.map((w) => w.arn).join())
      problems.push(
        `${label}: layers ${found.layerArns.join(', ') || 'none'} (expected ${wanted.map((w) => w.arn).join(', ')})`,
      );
    for (const w of wanted) {
      const version = layersSeen.find((s) => s.name === w.layer.layerName)?.versions.find((v) => v.arn === w.arn);
      const carried = found.variables[w.fingerprintVariable];
      const published = version && FINGERPRINT.exec(version.description)?.[1];
      if (!carried || carried !== published)
        problems.push(
          `${label}: ${w.fingerprintVariable}=${carried} but ${w.arn} carries the fingerprint ${published ?? '(none)'}`,
        );
    }
  }
  return problems;
}

/** A file asset the cloud assembly names for an environment: where it must land, and what it holds. */
export interface ExpectedAssetObject {
  readonly bucket: string;
  readonly key: string;
  /** The asset's name in the manifest (`Common/Version/Code`, a stack's template). */
  readonly displayName: string;
  /** A zipped folder: its files, relative, with `/`. */
  readonly files?: readonly string[];
  /** A file as it is (a template): its size in bytes. */
  readonly size?: number;
}

/** An object of a bucket, as read back: its size, and for a zip the files it holds. */
export interface ObjectSeen {
  readonly size: number;
  readonly zipFiles?: readonly string[];
}

/**
 * Problems of an environment's published assets: every object the assembly names is in its bucket under its key, a
 * zipped folder holds exactly the folder's files, a file has its size.
 */
export function assetObjectProblems(
  expected: readonly ExpectedAssetObject[],
  seen: ReadonlyMap<string, ReadonlyMap<string, ObjectSeen>>,
): string[] {
  const problems: string[] = [];
  for (const asset of expected) {
    const label = `s3://${asset.bucket}/${asset.key} (${asset.displayName})`;
    const object = seen.get(asset.bucket)?.get(asset.key);
    if (!object) {
      problems.push(`${label}: not in the bucket`);
      continue;
    }
    if (asset.files) {
      const have = [...(object.zipFiles ?? [])].sort();
      const want = [...asset.files].sort();
      if (object.zipFiles === undefined) problems.push(`${label}: not a zip (${object.size} bytes)`);
      else if (have.join('\n') !== want.join('\n')) {
        const missing = want.filter((f) => !have.includes(f));
        const extra = have.filter((f) => !want.includes(f));
        problems.push(`${label}: the zip lacks [${missing.join(', ')}] and has besides [${extra.join(', ')}]`);
      }
    } else if (asset.size !== undefined && object.size !== asset.size) {
      problems.push(`${label}: ${object.size} bytes (expected ${asset.size})`);
    }
  }
  return problems;
}

/** The ARN of a version of a layer of the environment's own account and region. */
export function layerVersionArn(place: Place, layerName: string, version: number): string {
  return `arn:${place.partition}:lambda:${place.region}:${place.account}:layer:${layerName}:${version}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the environment through the APIs
// ---------------------------------------------------------------------------------------------------------------

/** Every version of each layer, and the SSM parameters that name the current one. */
export async function readLayers(clients: Clients, layers: readonly ExpectedLayer[]): Promise<LayerSeen[]> {
  const seen: LayerSeen[] = [];
  for (const layer of layers) {
    const versions: LayerVersionSeen[] = [];
    for await (const page of paginateListLayerVersions({ client: clients.lambda }, { LayerName: layer.layerName })) {
      for (const v of page.LayerVersions ?? []) {
        versions.push({
          arn: v.LayerVersionArn ?? '',
          version: Number(v.Version),
          description: v.Description ?? '',
          runtimes: v.CompatibleRuntimes ?? [],
          architectures: v.CompatibleArchitectures ?? [],
        });
      }
    }
    seen.push({
      name: layer.layerName,
      versions,
      ssmArn: await parameter(clients, layer.arnParameter),
      ssmVersion: await parameter(clients, layer.versionParameter),
    });
  }
  return seen;
}

/** A parameter's value, or undefined where there is none. */
export async function parameter(clients: Clients, name: string): Promise<string | undefined> {
  try {
    return (await clients.ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if (error instanceof ParameterNotFound || (error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}

/** The names of every parameter under a path. */
export async function parametersUnder(clients: Clients, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateGetParametersByPath({ client: clients.ssm }, { Path: prefix, Recursive: true })) {
    names.push(...(page.Parameters ?? []).map((p) => p.Name ?? ''));
  }
  return names;
}

/** A stack's outputs, or undefined when the stack does not exist. */
export async function stackOutputs(clients: Clients, stackName: string): Promise<Record<string, string> | undefined> {
  try {
    const out = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack || stack.StackStatus === StackStatus.DELETE_COMPLETE) return undefined;
    return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}

/** The stacks that exist (not deleted) whose names start with `prefix`. */
export async function stacksNamed(clients: Clients, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListStacks({ client: clients.cloudFormation }, {})) {
    for (const s of page.StackSummaries ?? []) {
      if (s.StackStatus !== StackStatus.DELETE_COMPLETE && s.StackName?.startsWith(prefix)) names.push(s.StackName);
    }
  }
  return names.sort();
}

/** Each deployed resource of a stack: its type, logical id, physical id and status. */
export async function stackResources(clients: Clients, stackName: string) {
  const out = await clients.cloudFormation.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  return (out.StackResources ?? []).map((r) => ({
    type: r.ResourceType ?? '',
    logicalId: r.LogicalResourceId ?? '',
    physicalId: r.PhysicalResourceId,
    status: r.ResourceStatus ?? '',
  }));
}

/** Each function's `live` alias, the configuration of its version, and its role's permissions boundary. */
export async function readFunctions(clients: Clients, functions: readonly ExpectedFunction[]): Promise<FunctionSeen[]> {
  const seen: FunctionSeen[] = [];
  const outputs = new Map<string, Record<string, string> | undefined>();
  for (const fn of functions) {
    if (!outputs.has(fn.stackName)) outputs.set(fn.stackName, await stackOutputs(clients, fn.stackName));
    const physicalName = outputs.get(fn.stackName)?.[fn.output];
    if (!physicalName) continue;
    const alias = await clients.lambda.send(new GetAliasCommand({ FunctionName: physicalName, Name: 'live' }));
    const configuration = await clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: physicalName, Qualifier: alias.FunctionVersion }),
    );
    const roleName = configuration.Role?.split('/').pop();
    const role = roleName ? await clients.iam.send(new GetRoleCommand({ RoleName: roleName })) : undefined;
    seen.push({
      name: fn.name,
      physicalName,
      aliasVersion: alias.FunctionVersion,
      runtime: configuration.Runtime,
      architectures: configuration.Architectures ?? [],
      layerArns: (configuration.Layers ?? []).map((l) => l.Arn ?? ''),
      variables: configuration.Environment?.Variables ?? {},
      boundary: role?.Role?.PermissionsBoundary?.PermissionsBoundaryArn,
    });
  }
  return seen;
}

/** Whether Lambda knows a function by that name. */
export async function functionExists(clients: Clients, name: string): Promise<boolean> {
  try {
    await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException')
      return false;
    throw error;
  }
}
