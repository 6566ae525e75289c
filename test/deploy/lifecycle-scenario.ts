/** The deploy suite's scenario of README's layer lifecycle (`npm run layers -- ls`, `prune`, `prune --apply`). */
import * as fs from 'fs';
import * as path from 'path';
import { loadProjectConfig } from '../../bin/project';
import { pascalCase } from '../../lib/config/naming';
import { SBOM_FILE } from '../../lib/layer-content/layer-sbom-location';
import { readFunctions, readLayers } from './checks';
import { environmentExpectations, sandboxExpectations } from './expectations';
import { NotRun, Run, SANDBOX, ScenarioFailure, tail } from './run';

/**
 * README's layer lifecycle, in the pipeline environment deployed by hand before: a second release of one layer leaves
 * its first version unused; `npm run layers -- ls` names what uses each version and which SSM names, `prune` lists the
 * unused one and deletes it with --apply, and nothing else (not the version SSM names, not the sandbox's layers);
 * the SBOM of the version SSM names is where its fingerprint says, the build's own.
 */
export async function layerLifecycle(run: Run): Promise<void> {
  if (run.target.kind !== 'emulator')
    throw new NotRun("emulator only: it prunes a pipeline environment's layer versions, which it deployed by hand");
  const config = loadProjectConfig(run.root);
  const environment = config.environments.find((e) => e.account !== config.pipeline.account);
  if (!environment) throw new NotRun('no environment in another account than the pipeline');
  const pipelineProfile = run.target.profileOf(config.pipeline.account)!;
  const profile = run.target.profileOf(environment.account)!;
  const stage = pascalCase(environment.name);
  const expectations = environmentExpectations(run.root, environment.name);
  const clients = run.target.clients(profile, environment.region);
  const changed = expectations.layers.find((l) => fs.existsSync(path.join(run.root, 'layers', l.name, 'python')));
  if (!changed) throw new ScenarioFailure('no layer has a python/ folder to change');
  const sandboxLayers = sandboxExpectations(run.root, SANDBOX).layers;
  const sandboxBefore = await readLayers(clients, sandboxLayers);

  fs.writeFileSync(
    path.join(run.root, 'layers', changed.name, 'python', 'deploy_suite_lifecycle.py'),
    `"""Written by the deploy suite: a second release of the ${changed.name} layer."""\n`,
  );
  run.sh(`npm run --silent build:layers -- ${changed.name}`);
  run.sh(`npx cdk deploy 'PipelineStack/${stage}-Layers/*' --profile ${pipelineProfile} --require-approval never`);
  run.sh(`npx cdk deploy 'PipelineStack/${stage}-Functions-*/*' --profile ${pipelineProfile} --require-approval never`);
  const [released] = await readLayers(clients, [changed]);
  const current = Number(released.ssmVersion);
  const old = released.versions.map((v) => v.version).filter((v) => v !== current);
  const users = await readFunctions(
    clients,
    expectations.functions.filter((f) => f.layers.some((l) => l.name === changed.name)),
  );
  if (old.length === 0) throw new ScenarioFailure(`${changed.layerName}: no older version after a second release`);

  const table = run.sh(`npm run --silent layers -- ls --env ${environment.name} --profile ${profile}`);
  const json = path.join(run.root, 'build', 'layers-ls.json');
  run.sh(`npm run --silent layers -- ls --env ${environment.name} --profile ${profile} --json > ${json}`);
  const inventory = JSON.parse(fs.readFileSync(json, 'utf8'));
  const listed = inventory.layers.find((l: { layerName: string }) => l.layerName === changed.layerName);
  const listedCurrent = listed?.versions.find((v: { version: number }) => v.version === current);
  const usedBy = (listedCurrent?.usedBy ?? []).filter((u: { aliases: string[] }) => u.aliases.includes('live'));
  run.check(`npm run layers -- ls: every version of ${changed.layerName}, which SSM names, the live aliases on it`, [
    ...(table.includes(`SSM names version ${current}`) ? [] : [`the table names no "SSM names version ${current}"`]),
    ...(table.includes('(live)') ? [] : ['the table names no live alias']),
    ...(inventory.layers.length === expectations.layers.length ? [] : [`${inventory.layers.length} layers listed`]),
    ...(JSON.stringify(listed?.versions.map((v: { version: number }) => v.version).sort()) ===
    JSON.stringify(released.versions.map((v) => v.version).sort())
      ? []
      : [`versions ${JSON.stringify(listed?.versions)}, Lambda has ${released.versions.map((v) => v.version)}`]),
    ...(listedCurrent?.namedBySsm ? [] : [`version ${current} is not marked as the one SSM names`]),
    ...users
      .filter((f) => !usedBy.some((u: { functionName: string }) => u.functionName === f.physicalName))
      .map((f) => `${f.physicalName}'s live alias is not listed on version ${current}`),
    ...(inventory.codeStorage?.limitBytes > 0 ? [] : ['no code storage quota']),
  ]);

  // The SBOM of the version SSM names, found by the fingerprint its description carries: the build's, byte for byte.
  const sbom = listedCurrent?.sbom as { bucket: string; key: string } | undefined;
  const fetched = path.join(run.root, 'build', 'deployed-sbom.cdx.json');
  if (sbom) run.sh(`aws s3 cp s3://${sbom.bucket}/${sbom.key} ${fetched} --profile ${profile}`);
  const built = fs.readFileSync(path.join(run.root, 'build', 'layers', changed.name, SBOM_FILE));
  run.check(`the SBOM of ${changed.layerName}:${current}, where ls says its fingerprint puts it, is the build's`, [
    ...(sbom ? [] : [`ls names no SBOM for version ${current}`]),
    ...(sbom && fs.existsSync(fetched) && fs.readFileSync(fetched).equals(built)
      ? []
      : [`s3://${sbom?.bucket}/${sbom?.key} is not build/layers/${changed.name}/${SBOM_FILE}`]),
  ]);

  const dryRun = run.sh(`npm run --silent layers -- prune --env ${environment.name} --keep 1 --profile ${profile}`);
  const [afterDryRun] = await readLayers(clients, [changed]);
  run.check(
    `npm run layers -- prune --keep 1 (a dry run) lists ${changed.layerName}:${old.join(', ')} and deletes nothing`,
    [
      ...old
        .filter((v) => !dryRun.includes(`${changed.layerName}:${v}  `))
        .map((v) => `version ${v} not listed:\n${tail(dryRun, 20)}`),
      ...(afterDryRun.versions.length === released.versions.length ? [] : ['a dry run deleted something']),
    ],
  );

  const applied = run.sh(
    `npm run --silent layers -- prune --env ${environment.name} --keep 1 --apply --profile ${profile}`,
  );
  const [pruned] = await readLayers(clients, [changed]);
  const others = await readLayers(
    clients,
    expectations.layers.filter((l) => l !== changed),
  );
  const sandboxAfter = await readLayers(clients, sandboxLayers);
  const count = (seen: readonly { versions: readonly unknown[] }[]) => seen.map((l) => l.versions.length).join(',');
  run.check(
    `npm run layers -- prune --apply deletes exactly ${changed.layerName}:${old.join(', ')}, and nothing else`,
    [
      ...(JSON.stringify(pruned.versions.map((v) => v.version)) === JSON.stringify([current])
        ? []
        : [
            `${changed.layerName} has versions ${pruned.versions.map((v) => v.version)} (wanted ${current}):\n${tail(applied, 20)}`,
          ]),
      ...(others.every((l) => l.versions.some((v) => String(v.version) === l.ssmVersion))
        ? []
        : ['a version SSM names was deleted']),
      ...(count(sandboxAfter) === count(sandboxBefore)
        ? []
        : [`the sandbox's layers changed: ${count(sandboxBefore)} -> ${count(sandboxAfter)}`]),
    ],
  );
}
