/**
 * Pruning an environment's old layer versions (`npm run layers -- prune`): which versions may go and why, and their
 * deletion, each checked again just before it is deleted. A deleted layer version cannot come back.
 *
 * A version may go only when no function version or alias of the region uses it, the layer's SSM parameter does not
 * name it, it is not among the `keep` newest, and no layer version policy shares it with another account (whose
 * functions cannot be seen from here). Only the app's own layers (`<app>-<env>-<layer>`) are ever deleted.
 */
import { DeleteLayerVersionCommand } from '@aws-sdk/client-lambda';
import { layerName, layerVersionParameterName } from '../config/naming';
import {
  functionVersionsUsing,
  FunctionVersionUse,
  isShared,
  LayerInventory,
  LayerLifecycleError,
  LifecycleClients,
  LifecycleTarget,
  ssmVersionOf,
} from './layer-inventory';

/** How many of the newest versions of each layer are kept by default, used or not. */
export const DEFAULT_KEEP = 3;

/** What prune does with one layer version, and why. */
export interface PruneDecision {
  /** The layer's name in the configuration. */
  readonly layer: string;
  /** Its name in Lambda. */
  readonly layerName: string;
  readonly version: number;
  readonly arn: string;
  readonly codeSize: number;
  readonly action: 'delete' | 'keep';
  /** For a deletion, why it is safe; for a kept version, what keeps it. */
  readonly reasons: readonly string[];
}

/** What an applied prune did. */
export interface PruneOutcome {
  readonly deleted: readonly PruneDecision[];
  /** Versions that were to go but were found in use (or named by SSM, or shared) when checked again. */
  readonly spared: readonly { readonly decision: PruneDecision; readonly reason: string }[];
}

/** A deletion failed: what was deleted before it, and what was left. */
export class PruneFailedError extends LayerLifecycleError {
  constructor(
    readonly outcome: PruneOutcome,
    readonly failed: PruneDecision,
    readonly notAttempted: readonly PruneDecision[],
    cause: Error,
  ) {
    const listed = (ds: readonly PruneDecision[]) =>
      ds.length > 0 ? ds.map((d) => `${d.layerName}:${d.version}`).join(', ') : 'none';
    super(
      `deleting ${failed.layerName} version ${failed.version} failed: ${cause.message}. The prune stopped there.\n` +
        `  deleted before it: ${listed(outcome.deleted)}\n` +
        `  not deleted (left as they are): ${listed([failed, ...notAttempted])}\n` +
        'Fix: check that the credentials may call lambda:DeleteLayerVersion on these layers, then run the same ' +
        'prune again: it lists what is still safe to delete.',
    );
  }
}

/** `--keep` must keep at least the newest version. */
export function checkKeep(keep: number): void {
  if (!Number.isInteger(keep) || keep < 1) {
    throw new LayerLifecycleError(
      `--keep ${keep} keeps too few: at least the newest version of each layer stays (a rollback needs it). ` +
        `Fix: --keep 1 or more (default ${DEFAULT_KEEP}).`,
    );
  }
}

function describeUse(uses: readonly FunctionVersionUse[]): string {
  return uses
    .map((u) => `${u.functionName}:${u.version}${u.aliases.length > 0 ? ` (alias ${u.aliases.join(', ')})` : ''}`)
    .join(', ');
}

/** Decides, for every version of the inventory's layers, whether it may be deleted, and why. */
export function planPrune(inventory: LayerInventory, keep: number = DEFAULT_KEEP): PruneDecision[] {
  checkKeep(keep);
  const decisions: PruneDecision[] = [];
  for (const layer of inventory.layers) {
    const newest = [...layer.versions]
      .sort((a, b) => b.version - a.version)
      .slice(0, keep)
      .map((v) => v.version);
    for (const v of layer.versions) {
      const base = { layer: layer.layer, layerName: layer.layerName, version: v.version, arn: v.arn };
      const kept: string[] = [];
      if (v.usedBy.length > 0) kept.push(`used by ${describeUse(v.usedBy)}`);
      if (v.namedBySsm) kept.push(`SSM names it (${layer.ssmParameter})`);
      if (layer.ssmVersion === undefined) {
        kept.push(`SSM names no version (${layer.ssmParameter} does not exist): nothing of this layer is pruned`);
      }
      if (newest.includes(v.version)) kept.push(`among the ${keep} newest`);
      if (v.shared) kept.push('a layer version policy shares it: other accounts may use it');
      decisions.push(
        kept.length > 0
          ? { ...base, codeSize: v.codeSize, action: 'keep', reasons: kept }
          : {
              ...base,
              codeSize: v.codeSize,
              action: 'delete',
              reasons: [
                'no function version or alias uses it',
                `SSM names version ${layer.ssmVersion}`,
                `not among the ${keep} newest (${newest.join(', ')})`,
                'not shared with another account',
              ],
            },
      );
    }
  }
  return decisions;
}

/**
 * The name and account a deletion may touch: one of the target's own layers, in its account. Anything else is refused
 * before any deletion.
 */
function checkOwnLayers(target: LifecycleTarget, decisions: readonly PruneDecision[]): void {
  const own = new Set(target.layers.map((l) => layerName(target.appName, target.environment, l)));
  const foreign = decisions.filter((d) => {
    const m = /^arn:[^:]+:lambda:([^:]+):(\d{12}):layer:([^:]+):(\d+)$/.exec(d.arn);
    return (
      !own.has(d.layerName) ||
      !m ||
      m[1] !== target.region ||
      m[2] !== target.account ||
      m[3] !== d.layerName ||
      Number(m[4]) !== d.version
    );
  });
  if (foreign.length > 0) {
    throw new LayerLifecycleError(
      `refusing to prune ${foreign.map((d) => d.arn || d.layerName).join(', ')}: not a layer of ${target.appName} ` +
        `in ${target.environment} (${[...own].join(', ')}, account ${target.account}, ${target.region}). Nothing was deleted.`,
    );
  }
}

/**
 * Deletes the versions `decisions` mark for deletion, in order, each checked again just before: a version that a
 * function version or alias now uses, that SSM now names, or that is now shared, is spared. The first failed deletion
 * stops the prune ({@link PruneFailedError}: what was deleted, what was left).
 */
export async function applyPrune(
  clients: LifecycleClients,
  target: LifecycleTarget,
  decisions: readonly PruneDecision[],
  log: (line: string) => void = () => undefined,
): Promise<PruneOutcome> {
  const doomed = decisions.filter((d) => d.action === 'delete');
  checkOwnLayers(target, doomed);
  const deleted: PruneDecision[] = [];
  const spared: { decision: PruneDecision; reason: string }[] = [];
  for (const [i, d] of doomed.entries()) {
    const parameter = layerVersionParameterName(target.appName, target.environment, d.layer);
    const uses = (await functionVersionsUsing(clients.lambda, new Set([d.arn]))).get(d.arn) ?? [];
    const ssmVersion = await ssmVersionOf(clients.ssm, parameter);
    let reason: string | undefined;
    if (uses.length > 0) reason = `now used by ${uses.map((u) => `${u.functionName}:${u.version}`).join(', ')}`;
    else if (ssmVersion === undefined || ssmVersion === d.version)
      reason = ssmVersion === undefined ? `${parameter} no longer exists` : `SSM now names it (${parameter})`;
    else if (await isShared(clients.lambda, d.layerName, d.version)) reason = 'a layer version policy now shares it';
    if (reason) {
      spared.push({ decision: d, reason });
      log(`kept     ${d.layerName}:${d.version}: ${reason} (checked again before deleting)`);
      continue;
    }
    try {
      await clients.lambda.send(new DeleteLayerVersionCommand({ LayerName: d.layerName, VersionNumber: d.version }));
    } catch (error) {
      throw new PruneFailedError({ deleted, spared }, d, doomed.slice(i + 1), error as Error);
    }
    deleted.push(d);
    log(`deleted  ${d.layerName}:${d.version} (${d.arn})`);
  }
  return { deleted, spared };
}
