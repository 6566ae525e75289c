/**
 * `npm run layers`: the inventory of an environment's layer versions and the pruning decisions, against the AWS SDK
 * itself, its calls answered by aws-sdk-client-mock from a small model of Lambda and SSM that pages as Lambda does
 * (at most 50 items a page); and the command line, run as a user runs it.
 */
import {
  DeleteLayerVersionCommand,
  GetAccountSettingsCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListLayerVersionsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { IAMClient } from '@aws-sdk/client-iam';
import { lifecycleTarget, parseLayersArgs } from '../bin/layers';
import { loadProjectConfig } from '../bin/project';
import {
  LAMBDA_PAGE_SIZE,
  layerInventory,
  LayerLifecycleError,
  LifecycleTarget,
} from '../lib/layer-lifecycle/layer-inventory';
import { applyPrune, planPrune, PruneDecision, PruneFailedError } from '../lib/layer-lifecycle/layer-prune';
import { formatInventory, formatPlan } from '../lib/layer-lifecycle/layer-report';
import type { ClientsFor } from '../lib/doctor/aws-clients';
import { checkLayerVersions } from '../lib/doctor/layer-versions-check';
import { sbomLocation } from '../lib/layer-content/layer-sbom-location';
import { copyProjectWithTools, errorOf, FIXTURE_ROOT, noCredentialsEnv, runEntryPoint } from './helpers';

const ACCOUNT = '222222222222';
const REGION = 'eu-west-1';
const target: LifecycleTarget = {
  appName: 'orders',
  environment: 'dev',
  account: ACCOUNT,
  region: REGION,
  layers: ['common', 'domain'],
};
const COMMON = 'orders-dev-common';
const DOMAIN = 'orders-dev-domain';
const arnOf = (name: string, version: number, account = ACCOUNT) =>
  `arn:aws:lambda:${REGION}:${account}:layer:${name}:${version}`;
const fingerprintOf = (name: string, version: number) =>
  `${name.length.toString(16)}${version.toString(16)}`.padStart(32, '0');

/** What the fake Lambda and SSM hold. */
interface World {
  /** Published versions by layer name (any app's: Lambda holds them all). */
  layers: Map<string, number[]>;
  /** Every function version of the region, with the layer version ARNs it has attached. */
  functions: { name: string; version: string; layers: string[] }[];
  aliases: Map<string, { name: string; version: string; weights?: Record<string, number> }[]>;
  parameters: Map<string, string>;
  shared: Set<string>;
}

const lambda = mockClient(LambdaClient);
const ssm = mockClient(SSMClient);
const clients = { lambda: new LambdaClient({ region: REGION }), ssm: new SSMClient({ region: REGION }) };
let world: World;

/** One page as Lambda serves it: at most `MaxItems` (Lambda allows 50 at most), and a marker to the next. */
function page<T>(items: readonly T[], marker: string | undefined, maxItems: number | undefined) {
  if (maxItems !== undefined && maxItems > 50) throw new Error(`MaxItems ${maxItems}: Lambda serves at most 50`);
  const start = marker ? Number(marker) : 0;
  const end = start + (maxItems ?? 50);
  return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
}

function install() {
  lambda.reset();
  ssm.reset();
  lambda.on(ListLayerVersionsCommand).callsFake((input) => {
    const versions = [...(world.layers.get(input.LayerName) ?? [])].sort((a, b) => b - a);
    const { items, next } = page(versions, input.Marker, input.MaxItems);
    return {
      LayerVersions: items.map((v) => ({
        LayerVersionArn: arnOf(input.LayerName, v),
        Version: v,
        Description: `Helpers [fingerprint ${fingerprintOf(input.LayerName, v)}]`,
        CreatedDate: `2026-11-${String((v % 28) + 1).padStart(2, '0')}T10:00:00.000+0000`,
        CompatibleRuntimes: ['python3.13'],
        CompatibleArchitectures: ['arm64'],
      })),
      NextMarker: next,
    };
  });
  lambda.on(GetLayerVersionCommand).callsFake((input) => {
    if (!world.layers.get(input.LayerName)?.includes(input.VersionNumber)) {
      throw new ResourceNotFoundException({ message: 'no such layer version', $metadata: {} });
    }
    return { Version: input.VersionNumber, Content: { CodeSize: 1000 * input.VersionNumber } };
  });
  lambda.on(GetLayerVersionPolicyCommand).callsFake((input) => {
    if (!world.shared.has(arnOf(input.LayerName, input.VersionNumber))) {
      throw new ResourceNotFoundException({
        message: 'No policy is associated with the given resource.',
        $metadata: {},
      });
    }
    return { Policy: '{"Statement":[{"Principal":"*"}]}' };
  });
  lambda.on(ListFunctionsCommand).callsFake((input) => {
    if (input.FunctionVersion !== 'ALL') throw new Error('only every version tells which layer versions are used');
    const { items, next } = page(world.functions, input.Marker, input.MaxItems);
    return {
      Functions: items.map((f) => ({
        FunctionName: f.name,
        Version: f.version,
        Layers: f.layers.map((a) => ({ Arn: a, CodeSize: 1 })),
      })),
      NextMarker: next,
    };
  });
  lambda.on(ListAliasesCommand).callsFake((input) => {
    const { items, next } = page(world.aliases.get(input.FunctionName) ?? [], input.Marker, input.MaxItems);
    return {
      Aliases: items.map((a) => ({
        Name: a.name,
        FunctionVersion: a.version,
        RoutingConfig: a.weights ? { AdditionalVersionWeights: a.weights } : undefined,
      })),
      NextMarker: next,
    };
  });
  lambda.on(GetAccountSettingsCommand).resolves({
    AccountLimit: { TotalCodeSize: 80_530_636_800 },
    AccountUsage: { TotalCodeSize: 1_610_612_736 },
  });
  lambda.on(DeleteLayerVersionCommand).callsFake((input) => {
    world.layers.set(
      input.LayerName,
      (world.layers.get(input.LayerName) ?? []).filter((v) => v !== input.VersionNumber),
    );
    return {};
  });
  ssm.on(GetParameterCommand).callsFake((input) => {
    const value = world.parameters.get(input.Name);
    if (value === undefined) throw new ParameterNotFound({ message: 'not found', $metadata: {} });
    return { Parameter: { Name: input.Name, Value: value } };
  });
}

/**
 * dev after a few releases: common has versions 1-8, SSM names 8, `live` of price-order is on version 5 (common 8),
 * its old version 3 still exists (common 2); domain has versions 1-2, SSM names 2, used by $LATEST and live.
 */
function releasedWorld(): World {
  return {
    layers: new Map([
      [COMMON, [1, 2, 3, 4, 5, 6, 7, 8]],
      [DOMAIN, [1, 2]],
      // Another app's layer, and another environment's of this app, in the same account and region.
      ['billing-dev-common', [1, 2, 3]],
      ['orders-prod-common', [1, 2, 3]],
    ]),
    functions: [
      { name: 'orders-dev-price-order', version: '$LATEST', layers: [arnOf(COMMON, 8), arnOf(DOMAIN, 2)] },
      { name: 'orders-dev-price-order', version: '3', layers: [arnOf(COMMON, 2)] },
      { name: 'orders-dev-price-order', version: '5', layers: [arnOf(COMMON, 8), arnOf(DOMAIN, 2)] },
      { name: 'billing-dev-invoice', version: '$LATEST', layers: [arnOf('billing-dev-common', 1)] },
    ],
    aliases: new Map([['orders-dev-price-order', [{ name: 'live', version: '5' }]]]),
    parameters: new Map([
      ['/orders/dev/layers/common/version', '8'],
      ['/orders/dev/layers/domain/version', '2'],
      ['/billing/dev/layers/common/version', '3'],
    ]),
    shared: new Set(),
  };
}

beforeEach(() => {
  world = releasedWorld();
  install();
});

const doomed = (decisions: readonly PruneDecision[]) =>
  decisions.filter((d) => d.action === 'delete').map((d) => `${d.layerName}:${d.version}`);
const keptFor = (decisions: readonly PruneDecision[], name: string, version: number) =>
  decisions.find((d) => d.layerName === name && d.version === version);

describe('the inventory', () => {
  test('every version of each layer, newest first, with its size, fingerprint, users and the version SSM names', async () => {
    const inventory = await layerInventory(clients, target);
    expect(inventory.codeStorage).toEqual({ usedBytes: 1_610_612_736, limitBytes: 80_530_636_800 });
    const [common, domain] = inventory.layers;
    expect(common).toMatchObject({ layer: 'common', layerName: COMMON, ssmVersion: 8 });
    expect(common.versions.map((v) => v.version)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(common.versions[0]).toEqual({
      version: 8,
      arn: arnOf(COMMON, 8),
      created: '2026-11-09T10:00:00.000+0000',
      codeSize: 8000,
      description: `Helpers [fingerprint ${fingerprintOf(COMMON, 8)}]`,
      fingerprint: fingerprintOf(COMMON, 8),
      runtimes: ['python3.13'],
      architectures: ['arm64'],
      usedBy: [
        { functionName: 'orders-dev-price-order', version: '5', aliases: ['live'] },
        { functionName: 'orders-dev-price-order', version: '$LATEST', aliases: [] },
      ],
      namedBySsm: true,
      shared: false,
      sbom: sbomLocation(ACCOUNT, REGION, fingerprintOf(COMMON, 8)),
    });
    expect(common.versions.find((v) => v.version === 2)?.usedBy).toEqual([
      { functionName: 'orders-dev-price-order', version: '3', aliases: [] },
    ]);
    expect(common.versions.find((v) => v.version === 7)).toMatchObject({ usedBy: [], namedBySsm: false });
    expect(domain.versions.map((v) => [v.version, v.namedBySsm, v.usedBy.length])).toEqual([
      [2, true, 2],
      [1, false, 0],
    ]);
    // Aliases are read only for the functions that use one of the app's layer versions.
    expect(lambda.commandCalls(ListAliasesCommand).map((c) => c.args[0].input.FunctionName)).toEqual([
      'orders-dev-price-order',
    ]);
  });

  test('a table names the live alias, the version SSM names, and the code storage against its quota', async () => {
    const text = formatInventory(await layerInventory(clients, target));
    expect(text).toContain('Code storage of the region (every function and layer): 1.5 GB of 75.0 GB (2.0%)');
    expect(text).toContain(`${COMMON}: 8 version(s), 35.2 KB; SSM names version 8 (/orders/dev/layers/common/version)`);
    expect(text).toMatch(
      new RegExp(
        `^ {2}8 \\(ssm\\) +2026-11-09 10:00 UTC +7\\.8 KB +${fingerprintOf(COMMON, 8)} +python3\\.13 +arm64 +` +
          'orders-dev-price-order:5 \\(live\\), orders-dev-price-order:\\$LATEST$',
        'm',
      ),
    );
    expect(text).toMatch(/^ {2}7 +2026-11-08 10:00 UTC .* -$/m);
  });

  test('a version in a weighted shift of live is used by both versions the alias routes to', async () => {
    world.functions.push({ name: 'orders-dev-price-order', version: '6', layers: [arnOf(COMMON, 7)] });
    world.aliases.set('orders-dev-price-order', [{ name: 'live', version: '5', weights: { '6': 0.1 } }]);
    const common = (await layerInventory(clients, target)).layers[0];
    expect(common.versions.find((v) => v.version === 7)?.usedBy).toEqual([
      { functionName: 'orders-dev-price-order', version: '6', aliases: ['live'] },
    ]);
  });

  test("reads only the app's own layers of this environment: never another app's, never another environment's", async () => {
    await layerInventory(clients, target);
    expect(lambda.commandCalls(ListLayerVersionsCommand).map((c) => c.args[0].input.LayerName)).toEqual([
      COMMON,
      DOMAIN,
    ]);
  });

  test('a region without the app: an error that names the layers and parameters it looked for, and the fix', async () => {
    world = { ...releasedWorld(), layers: new Map(), parameters: new Map() };
    await expect(layerInventory(clients, target)).rejects.toThrow(LayerLifecycleError);
    await expect(layerInventory(clients, target)).rejects.toThrow(
      /dev \(account 222222222222, region eu-west-1\) has none of the app's layers \(orders-dev-common, orders-dev-domain\).*Fix: check the environment's account and region in cdk\.json/,
    );
  });
});

describe('the pruning decisions', () => {
  test('only unused, unnamed, shared-with-nobody versions older than the n newest go, each with why it is safe', async () => {
    const decisions = planPrune(await layerInventory(clients, target), 3);
    expect(doomed(decisions)).toEqual([`${COMMON}:5`, `${COMMON}:4`, `${COMMON}:3`, `${COMMON}:1`]);
    expect(keptFor(decisions, COMMON, 5)?.reasons).toEqual([
      'no function version or alias uses it',
      'SSM names version 8',
      'not among the 3 newest (8, 7, 6)',
      'not shared with another account',
    ]);
    // domain has two versions: both among the 3 newest.
    expect(keptFor(decisions, DOMAIN, 1)?.reasons).toEqual(['among the 3 newest']);
  });

  test('a version used only by an old function version stays', async () => {
    const decisions = planPrune(await layerInventory(clients, target), 1);
    expect(keptFor(decisions, COMMON, 2)).toMatchObject({
      action: 'keep',
      reasons: ['used by orders-dev-price-order:3'],
    });
  });

  test('the version SSM names stays, even when old and unused (after a rollback of the layer stack)', async () => {
    world.parameters.set('/orders/dev/layers/common/version', '4');
    const decisions = planPrune(await layerInventory(clients, target), 1);
    expect(keptFor(decisions, COMMON, 4)).toMatchObject({
      action: 'keep',
      reasons: ['SSM names it (/orders/dev/layers/common/version)'],
    });
    expect(doomed(decisions)).toEqual([
      `${COMMON}:7`,
      `${COMMON}:6`,
      `${COMMON}:5`,
      `${COMMON}:3`,
      `${COMMON}:1`,
      `${DOMAIN}:1`,
    ]);
  });

  test('a version a layer version policy shares stays: the accounts it is shared with cannot be seen from here', async () => {
    world.shared.add(arnOf(COMMON, 3));
    const decisions = planPrune(await layerInventory(clients, target), 3);
    expect(keptFor(decisions, COMMON, 3)?.reasons).toEqual([
      'a layer version policy shares it: other accounts may use it',
    ]);
  });

  test('a layer whose SSM parameter does not exist is not pruned at all', async () => {
    world.parameters.delete('/orders/dev/layers/common/version');
    const decisions = planPrune(await layerInventory(clients, target), 1);
    expect(doomed(decisions).filter((d) => d.startsWith(COMMON))).toEqual([]);
  });

  test('--keep below 1 is refused', async () => {
    const inventory = await layerInventory(clients, target);
    expect(errorOf(() => planPrune(inventory, 0))).toMatch(/--keep 0 keeps too few.*Fix: --keep 1 or more/);
  });

  test('the dry run lists what would go and why, and what stays and why', async () => {
    const text = formatPlan(planPrune(await layerInventory(clients, target), 3), false);
    expect(text).toContain('Would delete 4 layer version(s), 12.7 KB:');
    expect(text).toContain(
      `  ${COMMON}:3  2.9 KB  no function version or alias uses it; SSM names version 8; not among the 3 newest (8, 7, 6); not shared with another account`,
    );
    expect(text).toContain(
      `  ${COMMON}:8  used by orders-dev-price-order:5 (alias live), orders-dev-price-order:$LATEST; SSM names it`,
    );
  });
});

describe('--apply', () => {
  test('deletes exactly the listed versions, and nothing of another app or environment', async () => {
    const decisions = planPrune(await layerInventory(clients, target), 3);
    const log: string[] = [];
    const outcome = await applyPrune(clients, target, decisions, (l) => log.push(l));
    const deletes = lambda.commandCalls(DeleteLayerVersionCommand).map((c) => c.args[0].input);
    expect(deletes).toEqual([
      { LayerName: COMMON, VersionNumber: 5 },
      { LayerName: COMMON, VersionNumber: 4 },
      { LayerName: COMMON, VersionNumber: 3 },
      { LayerName: COMMON, VersionNumber: 1 },
    ]);
    expect(outcome.deleted.map((d) => d.version)).toEqual([5, 4, 3, 1]);
    expect(log[0]).toBe(`deleted  ${COMMON}:5 (${arnOf(COMMON, 5)})`);
    expect(world.layers.get('billing-dev-common')).toEqual([1, 2, 3]);
    expect(world.layers.get('orders-prod-common')).toEqual([1, 2, 3]);
    expect(world.layers.get(COMMON)).toEqual([2, 6, 7, 8]);
  });

  test('a version that becomes used, or named by SSM, between listing and deleting is not deleted', async () => {
    const decisions = planPrune(await layerInventory(clients, target), 3);
    // Meanwhile a function version is published on common 4 and SSM is pointed at common 3 (a rollback).
    world.functions.push({ name: 'orders-dev-report', version: '1', layers: [arnOf(COMMON, 4)] });
    world.parameters.set('/orders/dev/layers/common/version', '3');
    const outcome = await applyPrune(clients, target, decisions);
    expect(outcome.deleted.map((d) => d.version)).toEqual([5, 1]);
    expect(outcome.spared.map((s) => [s.decision.version, s.reason])).toEqual([
      [4, 'now used by orders-dev-report:1'],
      [3, 'SSM now names it (/orders/dev/layers/common/version)'],
    ]);
    expect(lambda.commandCalls(DeleteLayerVersionCommand).map((c) => c.args[0].input.VersionNumber)).toEqual([5, 1]);
  });

  test("a decision naming another app's layer, or another account's, is refused before anything is deleted", async () => {
    const decisions = planPrune(await layerInventory(clients, target), 3);
    const forged: PruneDecision = {
      ...decisions.find((d) => d.action === 'delete')!,
      layerName: 'billing-dev-common',
      arn: arnOf('billing-dev-common', 1),
      version: 1,
    };
    const elsewhere: PruneDecision = { ...forged, layerName: COMMON, arn: arnOf(COMMON, 1, '999999999999') };
    for (const bad of [forged, elsewhere]) {
      await expect(applyPrune(clients, target, [...decisions, bad])).rejects.toThrow(
        /refusing to prune .*not a layer of orders in dev .*Nothing was deleted/,
      );
    }
    expect(lambda.commandCalls(DeleteLayerVersionCommand)).toHaveLength(0);
  });

  test('a failed deletion stops the prune, says what was deleted, and leaves the rest', async () => {
    lambda
      .on(DeleteLayerVersionCommand, { LayerName: COMMON, VersionNumber: 4 })
      .rejects(new Error('User is not authorized to perform: lambda:DeleteLayerVersion'));
    const decisions = planPrune(await layerInventory(clients, target), 3);
    const error = await applyPrune(clients, target, decisions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PruneFailedError);
    expect((error as Error).message).toBe(
      `deleting ${COMMON} version 4 failed: User is not authorized to perform: lambda:DeleteLayerVersion. The prune stopped there.\n` +
        `  deleted before it: ${COMMON}:5\n` +
        `  not deleted (left as they are): ${COMMON}:4, ${COMMON}:3, ${COMMON}:1\n` +
        'Fix: check that the credentials may call lambda:DeleteLayerVersion on these layers, then run the same ' +
        'prune again: it lists what is still safe to delete.',
    );
    expect(lambda.commandCalls(DeleteLayerVersionCommand).map((c) => c.args[0].input.VersionNumber)).toEqual([5, 4]);
    expect(world.layers.get(COMMON)).toEqual([1, 2, 3, 4, 6, 7, 8]);
  });
});

describe('past one page', () => {
  test('120 versions and 130 function versions: every page is read, and a use on the last page counts', async () => {
    world.layers.set(
      COMMON,
      Array.from({ length: 120 }, (_, i) => i + 1),
    );
    world.parameters.set('/orders/dev/layers/common/version', '120');
    // 130 function versions of other functions first, then the one that uses common 1, on the third page.
    world.functions = [
      ...Array.from({ length: 129 }, (_, i) => ({ name: `other-fn-${i}`, version: '1', layers: [] })),
      { name: 'orders-dev-price-order', version: '2', layers: [arnOf(COMMON, 1)] },
    ];
    world.aliases = new Map([['orders-dev-price-order', [{ name: 'live', version: '2' }]]]);
    const inventory = await layerInventory(clients, target);
    expect(inventory.layers[0].versions).toHaveLength(120);
    expect(lambda.commandCalls(ListLayerVersionsCommand, { LayerName: COMMON })).toHaveLength(3);
    expect(lambda.commandCalls(ListFunctionsCommand)).toHaveLength(3);
    for (const call of [
      ...lambda.commandCalls(ListLayerVersionsCommand),
      ...lambda.commandCalls(ListFunctionsCommand),
    ]) {
      expect(call.args[0].input.MaxItems).toBe(LAMBDA_PAGE_SIZE);
    }
    const decisions = planPrune(inventory, 3);
    expect(keptFor(decisions, COMMON, 1)?.reasons).toEqual(['used by orders-dev-price-order:2 (alias live)']);
    expect(doomed(decisions).filter((d) => d.startsWith(COMMON))).toHaveLength(120 - 3 - 1);
    expect(keptFor(decisions, COMMON, 117)?.action).toBe('delete');
    expect(keptFor(decisions, COMMON, 118)?.action).toBe('keep');
  });
});

describe('the command line', () => {
  const config = loadProjectConfig(FIXTURE_ROOT);
  const usage = (args: string[]) => errorOf(() => lifecycleTarget(config, parseLayersArgs(args)));

  test('targets an environment, a sandbox, or the first environment; all layers or those named', () => {
    expect(lifecycleTarget(config, parseLayersArgs(['ls']))).toEqual(target);
    expect(lifecycleTarget(config, parseLayersArgs(['ls', '--env', 'prod', '--layer', 'domain']))).toEqual({
      ...target,
      environment: 'prod',
      account: '333333333333',
      layers: ['domain'],
    });
    expect(lifecycleTarget(config, parseLayersArgs(['prune', '--sandbox', 'alice', '--keep', '2']))).toMatchObject({
      environment: 'sandbox-alice',
      account: ACCOUNT,
    });
    expect(parseLayersArgs(['prune', '--env', 'dev', '--apply'])).toMatchObject({ keep: 3, apply: true });
  });

  test.each([
    [
      ['ls', '--env', 'staging'],
      /--env staging: no such environment in cdk\.json\. Fix: one of dev, prod, or --sandbox <name>/,
    ],
    [
      ['ls', '--layer', 'numpy'],
      /--layer numpy: no such layer in cdk\.json's config\.layers\. Fix: one of common, domain/,
    ],
    [['prune', '--keep', '0'], /--keep 0: keep at least the newest version.*--keep 1 or more \(default 3\)/],
    [['prune', '--keep', 'all'], /--keep all: keep at least the newest version/],
    [
      ['prune', '--apply'],
      /--apply deletes: name the environment it deletes in, with --env <name> or --sandbox <name>/,
    ],
    [['ls', '--env', 'dev', '--sandbox', 'alice'], /--env and --sandbox: give one of them/],
    [['rm'], /unknown command "rm": use ls or prune/],
    [['ls', '--keep', '2'], /--keep and --apply belong to prune/],
  ])('%j: %s', (args, message) => {
    expect(usage(args)).toMatch(message);
  });

  test('every mistake at once', () => {
    expect(usage(['prune', '--keep', '0', '--apply', '--json']).split('\n').slice(0, 3)).toEqual([
      '--json belongs to ls',
      '--keep 0: keep at least the newest version of each layer (a rollback needs it): --keep 1 or more (default 3)',
      '--apply deletes: name the environment it deletes in, with --env <name> or --sandbox <name>',
    ]);
  });

  describe('run as npm run layers runs it', () => {
    const root = copyProjectWithTools();
    test.each([
      [
        ['ls'],
        /no working AWS credentials for dev \(account 222222222222, eu-west-1\): .*\nFix: pass --profile <a profile of account 222222222222> \(or set AWS_PROFILE\)/,
      ],
      [
        ['prune', '--env', 'prod', '--profile', 'prod'],
        /no working AWS credentials for prod \(account 333333333333, eu-west-1\) in profile prod: .*\nFix: aws sso login --profile prod/,
      ],
    ])('without credentials, %j fails clearly, naming the fix', (args, message) => {
      const result = runEntryPoint(root, 'bin/layers.ts', args, { env: noCredentialsEnv(root) });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.status).toBe(1);
    });

    test('a bad argument exits 2 with the usage', () => {
      const result = runEntryPoint(root, 'bin/layers.ts', ['prune', '--keep', '0'], { env: noCredentialsEnv(root) });
      expect(result.stderr).toContain('usage: npm run layers -- ls');
      expect(result.status).toBe(2);
    });
  });
});

describe('npm run doctor -- --aws', () => {
  const config = loadProjectConfig(FIXTURE_ROOT);
  // Credentials for dev's account only: prod's is reported as not checked by checkAws, and skipped here.
  const devOnly: ClientsFor = async (account) =>
    account === ACCOUNT
      ? {
          ...clients,
          iam: new IAMClient({ region: REGION }),
          connections: new CodeStarConnectionsClient({ region: REGION }),
          cloudFormation: new CloudFormationClient({ region: REGION }),
          profile: 'dev-admin',
        }
      : undefined;
  const prune =
    'npm run layers -- prune --env dev --profile dev-admin (a dry run that lists what is safe to delete; then add --apply)';

  test('a few unused versions and a roomy region: ok, with the numbers', async () => {
    expect(await checkLayerVersions(config, devOnly)).toEqual([
      {
        level: 'ok',
        check: `dev layer versions (${ACCOUNT}, ${REGION})`,
        message: "7 unused layer version(s); the region's code storage 1.5 GB of 75.0 GB (2.0%)",
      },
    ]);
  });

  test('more unused versions than the threshold: a warning per layer, with the prune command', async () => {
    world.layers.set(
      COMMON,
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    world.parameters.set('/orders/dev/layers/common/version', '20');
    const [finding] = await checkLayerVersions(config, devOnly);
    expect(finding).toEqual({
      level: 'warn',
      check: `dev layer versions (${ACCOUNT}, ${REGION})`,
      message:
        // Of 20 versions, SSM names 20, live and $LATEST use 8, an old function version uses 2.
        `18 layer versions that no function version or alias uses and SSM does not name (${COMMON}: 17, ${DOMAIN}: 1; ` +
        '176.8 KB), more than 10',
      fix: prune,
    });
  });

  test('a region whose code storage is more than half full: a warning, with the prune command', async () => {
    lambda.on(GetAccountSettingsCommand).resolves({
      AccountLimit: { TotalCodeSize: 80_530_636_800 },
      AccountUsage: { TotalCodeSize: 48_318_382_080 },
    });
    const [finding] = await checkLayerVersions(config, devOnly);
    expect(finding).toMatchObject({
      level: 'warn',
      message:
        "the region's code storage is 60% used (45.0 GB of 75.0 GB), more than 50%: a deploy fails when it is full",
      fix: prune,
    });
  });

  test('an environment where the app is not deployed yet is fine; one whose layers cannot be read is a warning', async () => {
    world = { ...releasedWorld(), layers: new Map(), parameters: new Map() };
    expect((await checkLayerVersions(config, devOnly))[0]).toMatchObject({
      level: 'ok',
      message: "none of the app's layers is deployed here yet",
    });
    lambda
      .on(ListLayerVersionsCommand)
      .rejects(new Error('User is not authorized to perform: lambda:ListLayerVersions'));
    expect((await checkLayerVersions(config, devOnly))[0]).toMatchObject({
      level: 'warn',
      message: 'cannot list the layer versions: User is not authorized to perform: lambda:ListLayerVersions',
    });
  });
});
