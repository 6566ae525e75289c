/**
 * The deploy suite's checks (test/deploy/checks.ts) can fail: each is shown failing on the defect it guards against,
 * on what the APIs would answer for it.
 */
import {
  assetObjectProblems,
  ExpectedAssetObject,
  ExpectedFunction,
  ExpectedLayer,
  functionProblems,
  FunctionSeen,
  layerProblems,
  LayerSeen,
  layerVersionArn,
} from './deploy/checks';

const place = { account: '222222222222', region: 'eu-west-1', partition: 'aws' };
const layers: ExpectedLayer[] = [
  {
    name: 'common',
    layerName: 'orders-dev-common',
    runtimes: ['python3.14'],
    architectures: ['arm64'],
    arnParameter: '/orders/dev/layers/common/arn',
    versionParameter: '/orders/dev/layers/common/version',
  },
];
const functions: ExpectedFunction[] = [
  {
    name: 'price-order',
    stackName: 'Dev-Functions-Orders',
    output: 'PriceOrderFunctionName',
    runtime: 'python3.14',
    architecture: 'arm64',
    layers: [{ name: 'common', fingerprintVariable: 'LAYER_FINGERPRINT_COMMON' }],
  },
];
const v1 = layerVersionArn(place, 'orders-dev-common', 1);
const v2 = layerVersionArn(place, 'orders-dev-common', 2);

function layersSeen(change: Partial<LayerSeen> = {}): LayerSeen[] {
  return [
    {
      name: 'orders-dev-common',
      versions: [
        {
          arn: v1,
          version: 1,
          description: 'Common [fingerprint aaaa]',
          runtimes: ['python3.14'],
          architectures: ['arm64'],
        },
        {
          arn: v2,
          version: 2,
          description: 'Common [fingerprint bbbb]',
          runtimes: ['python3.14'],
          architectures: ['arm64'],
        },
      ],
      ssmArn: v2,
      ssmVersion: '2',
      ...change,
    },
  ];
}

function functionsSeen(change: Partial<FunctionSeen> = {}): FunctionSeen[] {
  return [
    {
      name: 'price-order',
      physicalName: 'Dev-Functions-Orders-PriceOrder-abc',
      aliasVersion: '7',
      runtime: 'python3.14',
      architectures: ['arm64'],
      layerArns: [v2],
      variables: { LAYER_FINGERPRINT_COMMON: 'bbbb' },
      ...change,
    },
  ];
}

describe('the deploy checks', () => {
  test('a good deployment has no problem', () => {
    expect(layerProblems(layers, layersSeen(), place)).toEqual([]);
    expect(functionProblems(functions, functionsSeen(), layers, layersSeen(), place)).toEqual([]);
  });

  test('a function that did not follow its layer to the new version', () => {
    expect(
      functionProblems(
        functions,
        functionsSeen({ layerArns: [v1], variables: { LAYER_FINGERPRINT_COMMON: 'aaaa' } }),
        layers,
        layersSeen(),
        place,
      ),
    ).toEqual([
      `function price-order (Dev-Functions-Orders): layers ${v1} (expected ${v2})`,
      `function price-order (Dev-Functions-Orders): LAYER_FINGERPRINT_COMMON=aaaa but ${v2} carries the fingerprint bbbb`,
    ]);
  });

  test('a layer of another account, at the right name and version', () => {
    const foreign = v2.replace(place.account, '999999999999');
    expect(functionProblems(functions, functionsSeen({ layerArns: [foreign] }), layers, layersSeen(), place)).toEqual([
      `function price-order (Dev-Functions-Orders): layers ${foreign} (expected ${v2})`,
    ]);
    expect(layerProblems(layers, layersSeen({ ssmArn: foreign }), place)).toEqual([
      `SSM /orders/dev/layers/common/arn = ${foreign} (expected ${v2})`,
    ]);
  });

  test('a function built with another fingerprint than the version it runs with', () => {
    expect(
      functionProblems(
        functions,
        functionsSeen({ variables: { LAYER_FINGERPRINT_COMMON: 'aaaa' } }),
        layers,
        layersSeen(),
        place,
      ),
    ).toEqual([
      `function price-order (Dev-Functions-Orders): LAYER_FINGERPRINT_COMMON=aaaa but ${v2} carries the fingerprint bbbb`,
    ]);
  });

  test('live on $LATEST, another runtime or architecture, a function not deployed', () => {
    expect(
      functionProblems(
        functions,
        functionsSeen({ aliasVersion: '$LATEST', runtime: 'python3.13', architectures: ['x86_64'] }),
        layers,
        layersSeen(),
        place,
      ),
    ).toEqual([
      'function price-order (Dev-Functions-Orders): live points to $LATEST, not a published version',
      'function price-order (Dev-Functions-Orders): runtime python3.13 (expected python3.14)',
      'function price-order (Dev-Functions-Orders): architectures x86_64 (expected arm64)',
    ]);
    expect(functionProblems(functions, [], layers, layersSeen(), place)).toEqual([
      'function price-order (Dev-Functions-Orders): not deployed (no stack output PriceOrderFunctionName)',
    ]);
  });

  test('a layer published without its architectures or fingerprint, SSM behind, or no version at all', () => {
    const [seen] = layersSeen();
    const bare = { ...seen.versions[1], architectures: [], description: 'Common' };
    expect(layerProblems(layers, [{ ...seen, versions: [seen.versions[0], bare], ssmVersion: '1' }], place)).toEqual([
      'layer orders-dev-common:2: architectures  (expected arm64)',
      'layer orders-dev-common:2: no fingerprint in its description "Common"',
      'SSM /orders/dev/layers/common/version = 1 (expected 2)',
    ]);
    expect(layerProblems(layers, [], place)).toEqual([
      'layer orders-dev-common: no version published (ListLayerVersions is empty)',
    ]);
  });
});

describe('the check of published assets', () => {
  const bucket = 'cdk-hnb659fds-assets-222222222222-eu-west-1';
  const expected: ExpectedAssetObject[] = [
    {
      bucket,
      key: 'aaaa.zip',
      displayName: 'Common/Version/Code',
      files: ['python/common/__init__.py', 'python/x.py'],
    },
    { bucket, key: 'bbbb.json', displayName: 'SharedLayers Template', size: 1200 },
  ];
  const seen = (objects: Record<string, { size: number; zipFiles?: string[] }>) =>
    new Map([[bucket, new Map(Object.entries(objects))]]);

  test("passes when every object is under its key, a zip holding its folder's files in any order", () => {
    expect(
      assetObjectProblems(
        expected,
        seen({
          'aaaa.zip': { size: 300, zipFiles: ['python/x.py', 'python/common/__init__.py'] },
          'bbbb.json': { size: 1200 },
        }),
      ),
    ).toEqual([]);
  });

  test('an object missing, a zip with other files, a file of another size, code that is no zip', () => {
    expect(assetObjectProblems(expected, seen({ 'bbbb.json': { size: 1199 } }))).toEqual([
      `s3://${bucket}/aaaa.zip (Common/Version/Code): not in the bucket`,
      `s3://${bucket}/bbbb.json (SharedLayers Template): 1199 bytes (expected 1200)`,
    ]);
    expect(
      assetObjectProblems(
        expected.slice(0, 1),
        seen({ 'aaaa.zip': { size: 300, zipFiles: ['python/common/__init__.py', 'python/y.py'] } }),
      ),
    ).toEqual([
      `s3://${bucket}/aaaa.zip (Common/Version/Code): the zip lacks [python/x.py] and has besides [python/y.py]`,
    ]);
    expect(assetObjectProblems(expected.slice(0, 1), seen({ 'aaaa.zip': { size: 3 } }))).toEqual([
      `s3://${bucket}/aaaa.zip (Common/Version/Code): not a zip (3 bytes)`,
    ]);
    expect(assetObjectProblems(expected, new Map())).toEqual([
      `s3://${bucket}/aaaa.zip (Common/Version/Code): not in the bucket`,
      `s3://${bucket}/bbbb.json (SharedLayers Template): not in the bucket`,
    ]);
  });
});
