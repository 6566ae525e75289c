/**
 * The doctor's check of each environment's layer versions: every layer change publishes a retained version, so old
 * ones pile up against the region's code storage (75 GB by default, functions and layers together). It warns when an
 * environment keeps many versions nothing uses, or the region's code storage is filling, with the prune command.
 */
import type { AppConfig } from '../config/app-config';
import { layerInventory, LayerLifecycleError } from '../layer-lifecycle/layer-inventory';
import { codeStorageShare, formatBytes } from '../layer-lifecycle/layer-report';
import type { ClientsFor } from './aws-clients';
import type { Finding } from './finding';

/** More layer versions than this that no function version or alias uses, and SSM does not name, is a warning. */
export const UNUSED_LAYER_VERSIONS_THRESHOLD = 10;

/** A region whose code storage is fuller than this share of its quota is a warning. */
export const CODE_STORAGE_SHARE_THRESHOLD = 0.5;

/** Options of {@link checkLayerVersions}. */
export interface LayerVersionsCheckOptions {
  /** @default UNUSED_LAYER_VERSIONS_THRESHOLD */
  readonly unusedThreshold?: number;
  /** @default CODE_STORAGE_SHARE_THRESHOLD */
  readonly storageShareThreshold?: number;
}

/** For each environment with credentials: its unused layer versions, and its region's code storage. */
export async function checkLayerVersions(
  config: AppConfig,
  clientsFor: ClientsFor,
  options: LayerVersionsCheckOptions = {},
): Promise<Finding[]> {
  const unusedThreshold = options.unusedThreshold ?? UNUSED_LAYER_VERSIONS_THRESHOLD;
  const shareThreshold = options.storageShareThreshold ?? CODE_STORAGE_SHARE_THRESHOLD;
  const findings: Finding[] = [];
  for (const env of config.environments) {
    const clients = await clientsFor(env.account, env.region);
    if (!clients) continue; // checkAws reports the account as not checked.
    const check = `${env.name} layer versions (${env.account}, ${env.region})`;
    const profile = clients.profile ? ` --profile ${clients.profile}` : '';
    const prune = `npm run layers -- prune --env ${env.name}${profile} (a dry run that lists what is safe to delete; then add --apply)`;
    let inventory;
    try {
      inventory = await layerInventory(
        { lambda: clients.lambda, ssm: clients.ssm },
        {
          appName: config.appName,
          environment: env.name,
          account: env.account,
          region: env.region,
          layers: config.layers.map((l) => l.name),
        },
      );
    } catch (error) {
      if (error instanceof LayerLifecycleError) {
        findings.push({ level: 'ok', check, message: "none of the app's layers is deployed here yet" });
        continue;
      }
      findings.push({
        level: 'warn',
        check,
        message: `cannot list the layer versions: ${(error as Error).message}`,
        fix: 'check the credentials may call lambda:ListLayerVersions, lambda:ListFunctions, lambda:GetAccountSettings and ssm:GetParameter',
      });
      continue;
    }
    const unused = inventory.layers.map((l) => ({
      name: l.layerName,
      versions: l.versions.filter((v) => v.usedBy.length === 0 && !v.namedBySsm),
    }));
    const count = unused.reduce((n, l) => n + l.versions.length, 0);
    const bytes = unused.reduce((n, l) => n + l.versions.reduce((m, v) => m + v.codeSize, 0), 0);
    const share = codeStorageShare(inventory);
    const storage = `${formatBytes(inventory.codeStorage.usedBytes)} of ${formatBytes(inventory.codeStorage.limitBytes)}`;
    const warnings: string[] = [];
    if (count > unusedThreshold) {
      const perLayer = unused.filter((l) => l.versions.length > 0).map((l) => `${l.name}: ${l.versions.length}`);
      warnings.push(
        `${count} layer versions that no function version or alias uses and SSM does not name (${perLayer.join(', ')}; ` +
          `${formatBytes(bytes)}), more than ${unusedThreshold}`,
      );
    }
    if (share > shareThreshold) {
      warnings.push(
        `the region's code storage is ${(share * 100).toFixed(0)}% used (${storage}), more than ` +
          `${(shareThreshold * 100).toFixed(0)}%: a deploy fails when it is full`,
      );
    }
    findings.push(
      warnings.length > 0
        ? { level: 'warn', check, message: warnings.join('; '), fix: prune }
        : {
            level: 'ok',
            check,
            message: `${count} unused layer version(s); the region's code storage ${storage} (${(share * 100).toFixed(1)}%)`,
          },
    );
  }
  return findings;
}
