/** The inventory and a prune, as people read them: one table per layer, then what prune would do or did. */
import type { LayerInventory, LayerVersionEntry } from './layer-inventory';
import type { PruneDecision, PruneOutcome } from './layer-prune';

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024).toFixed(1)} KB`;
}

/** The share of the region's code storage used, as a fraction (0 when the limit is unknown). */
export function codeStorageShare(inventory: Pick<LayerInventory, 'codeStorage'>): number {
  const { usedBytes, limitBytes } = inventory.codeStorage;
  return limitBytes > 0 ? usedBytes / limitBytes : 0;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}

function usedBy(v: LayerVersionEntry): string {
  if (v.usedBy.length === 0) return '-';
  return v.usedBy
    .map((u) => `${u.functionName}:${u.version}${u.aliases.length > 0 ? ` (${u.aliases.join(', ')})` : ''}`)
    .join(', ');
}

/** `npm run layers -- ls`: per layer, every version, newest first, with what uses it. */
export function formatInventory(inventory: LayerInventory): string {
  const { usedBytes, limitBytes } = inventory.codeStorage;
  const lines = [
    `Layers of ${inventory.appName} in ${inventory.environment} (account ${inventory.account}, ${inventory.region})`,
    `Code storage of the region (every function and layer): ${formatBytes(usedBytes)} of ${formatBytes(limitBytes)} ` +
      `(${(codeStorageShare(inventory) * 100).toFixed(1)}%)`,
  ];
  for (const layer of inventory.layers) {
    const layerBytes = layer.versions.reduce((n, v) => n + v.codeSize, 0);
    lines.push(
      '',
      `${layer.layerName}: ${layer.versions.length} version(s), ${formatBytes(layerBytes)}; ` +
        (layer.ssmVersion === undefined
          ? `SSM names none (${layer.ssmParameter} does not exist)`
          : `SSM names version ${layer.ssmVersion} (${layer.ssmParameter})`),
    );
    if (layer.versions.length === 0) {
      lines.push('  no version published');
      continue;
    }
    const rows = [
      ['VERSION', 'CREATED', 'SIZE', 'FINGERPRINT', 'RUNTIMES', 'ARCHITECTURES', 'USED BY (function:version (alias))'],
      ...layer.versions.map((v) => [
        `${v.version}${v.namedBySsm ? ' (ssm)' : ''}${v.shared ? ' (shared)' : ''}`,
        v.created.replace('T', ' ').replace(/:\d\d(\.\d+)?(\+0000|Z)$/, ' UTC'),
        formatBytes(v.codeSize),
        v.fingerprint ?? '-',
        v.runtimes.join(',') || '-',
        v.architectures.join(',') || '-',
        usedBy(v),
      ]),
    ];
    lines.push(...table(rows).map((l) => `  ${l}`));
  }
  lines.push(
    '',
    '(ssm): the version the next function deploy attaches. Each version\'s bill of materials: --json, "sbom".',
  );
  return lines.join('\n');
}

/** `npm run layers -- prune`: what goes and why it is safe, what stays and why. */
export function formatPlan(decisions: readonly PruneDecision[], apply: boolean): string {
  const doomed = decisions.filter((d) => d.action === 'delete');
  const kept = decisions.filter((d) => d.action === 'keep');
  const bytes = doomed.reduce((n, d) => n + d.codeSize, 0);
  const lines = [
    doomed.length === 0
      ? 'Nothing to prune: every version is used, named by SSM, shared, or among the newest kept.'
      : `${apply ? 'Deleting' : 'Would delete'} ${doomed.length} layer version(s), ${formatBytes(bytes)}:`,
  ];
  for (const d of doomed)
    lines.push(`  ${d.layerName}:${d.version}  ${formatBytes(d.codeSize)}  ${d.reasons.join('; ')}`);
  if (kept.length > 0) {
    lines.push('', `Keeping ${kept.length}:`);
    for (const d of kept) lines.push(`  ${d.layerName}:${d.version}  ${d.reasons.join('; ')}`);
  }
  return lines.join('\n');
}

/** What `prune --apply` did. */
export function formatOutcome(outcome: PruneOutcome): string {
  const bytes = outcome.deleted.reduce((n, d) => n + d.codeSize, 0);
  const lines = [`Deleted ${outcome.deleted.length} layer version(s), ${formatBytes(bytes)}.`];
  if (outcome.spared.length > 0) {
    lines.push(`Spared ${outcome.spared.length}, found in use when checked again:`);
    for (const s of outcome.spared) lines.push(`  ${s.decision.layerName}:${s.decision.version}: ${s.reason}`);
  }
  return lines.join('\n');
}
