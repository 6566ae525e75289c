/**
 * The table of CodeBuild images the configuration is checked with, held to a dated copy of what the images' own
 * runtimes.yml lists (test/fixtures/codebuild-runtimes), and the build's comparison of an image with the table.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BUILD_IMAGES } from '../lib/config/build-images';
import { Checker } from '../lib/config/checker';
import { ConfigError } from '../lib/config/config-error';
import type { LayerConfig } from '../lib/config/layers-config';
import { parsePipelinePython } from '../lib/config/pipeline-config';
import { compareImage, describeBuildImage, parseRuntimesYml } from '../lib/layer-build/build-image';

interface PublishedRuntimes {
  readonly image: string;
  readonly source: string;
  readonly commit: string;
  readonly python: string[];
  readonly nodejs: string[];
}

const COPIES = path.join(__dirname, 'fixtures', 'codebuild-runtimes');
const published: PublishedRuntimes[] = fs
  .readdirSync(COPIES)
  .map((f) => JSON.parse(fs.readFileSync(path.join(COPIES, f), 'utf8')) as PublishedRuntimes);

/** A runtimes.yml in the shape CodeBuild's images carry, with versions written as the image writes them. */
function runtimesYml(python: readonly string[], nodejs: readonly string[]): string {
  const versions = (vs: readonly string[]) =>
    vs.map((v) => `      ${v}:\n        commands:\n          - echo "Installing ${v}"`).join('\n');
  return `version: 0.1\n\nruntimes:\n  python:\n    versions:\n${versions(python)}\n  nodejs:\n    versions:\n${versions(nodejs)}\n`;
}

describe('lib/config/build-images.ts', () => {
  test.each(Object.entries(BUILD_IMAGES))(
    "lists for %s the image's published Python and Node.js versions, no more, no fewer",
    (_architecture, image) => {
      const copy = published.find((p) => p.image === image.name);
      expect(copy).toBeDefined();
      expect([...image.python].sort()).toEqual([...copy!.python].sort());
      expect([...image.nodejs].sort()).toEqual([...copy!.nodejs].sort());
    },
  );

  test('the arm64 image offers Node.js 24, which a configuration may ask for', () => {
    expect(BUILD_IMAGES.arm64.nodejs).toContain('24');
  });
});

describe('the build image comparison (npm run build-image)', () => {
  const arm64 = published.find((p) => p.image === BUILD_IMAGES.arm64.name)!;

  test('reads a runtimes.yml as written: 3.10 stays 3.10', () => {
    expect(parseRuntimesYml(runtimesYml(['3.9', '3.10', '3.14'], ['22', '24']))).toEqual({
      python: ['3.9', '3.10', '3.14'],
      nodejs: ['22', '24'],
    });
  });

  test('says so in one line when the image offers what the table lists', () => {
    const lines = compareImage(arm64.image, parseRuntimesYml(runtimesYml(arm64.python, arm64.nodejs)));
    expect(lines).toEqual([
      `${arm64.image} offers Python 3.9, 3.10, 3.11, 3.12, 3.13, 3.14 and Node.js 18, 20, 22, 24, as lib/config/build-images.ts says.`,
    ]);
  });

  test('prints what the image added and dropped, and the fix', () => {
    const lines = compareImage(
      arm64.image,
      parseRuntimesYml(runtimesYml([...arm64.python.filter((v) => v !== '3.9'), '3.15'], arm64.nodejs)),
    );
    expect(lines).toEqual([
      `${arm64.image} offers Python 3.10, 3.11, 3.12, 3.13, 3.14, 3.15 and Node.js 18, 20, 22, 24, which differs from lib/config/build-images.ts:`,
      '  python 3.15: offered, but not in the table (configurations may use it)',
      '  python 3.9: in the table, but no longer offered (a build asking for it fails)',
      "  Fix: update the image's entry in lib/config/build-images.ts and its copy in test/fixtures/codebuild-runtimes.",
    ]);
  });

  test("reads the image's own file on CodeBuild, and says so elsewhere", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtimes-'));
    const file = path.join(dir, 'runtimes.yml');
    fs.writeFileSync(file, runtimesYml(arm64.python, arm64.nodejs));
    expect(describeBuildImage({ CODEBUILD_BUILD_IMAGE: arm64.image }, file)[0]).toMatch(
      /as lib\/config\/build-images.ts says\.$/,
    );
    expect(describeBuildImage({}, file)).toEqual([
      'Not on a CodeBuild image (no CODEBUILD_BUILD_IMAGE or no runtimes.yml): nothing to compare.',
    ]);
    expect(describeBuildImage({ CODEBUILD_BUILD_IMAGE: 'aws/codebuild/other:1.0' }, file)).toEqual([
      expect.stringMatching(/; lib\/config\/build-images.ts does not list this image\.$/),
    ]);
  });
});

describe("the pipeline's Python", () => {
  const layer = (runtime: string, architecture: 'arm64' | 'x86_64' = 'arm64'): LayerConfig => ({
    name: `l-${runtime.replace('.', '-')}-${architecture}`,
    description: '',
    runtimes: [runtime],
    architectures: [architecture],
  });
  const python = (layers: LayerConfig[]) => {
    const c = new Checker(new Date('2026-12-04'));
    const version = parsePipelinePython(c, layers);
    let problems: string[] = [];
    try {
      c.throwIfAny();
    } catch (error) {
      problems = (error as ConfigError).problems.map((p) => `${p.setting} = ${String(p.value)} ${p.message}`);
    }
    return { version, problems };
  };

  test("is the layers' first runtime; where they differ, the most layers', the newest on a tie; without layers, the default", () => {
    expect(python([layer('python3.13'), layer('python3.13'), layer('python3.14')]).version).toBe('3.13');
    expect(python([layer('python3.13'), layer('python3.14')]).version).toBe('3.14');
    expect(python([]).version).toBe('3.14');
  });

  test('one an image of the pipeline does not offer is refused, naming the image and what it offers (x86_64 layers: every step runs on x86_64)', () => {
    expect(python([layer('python3.15', 'x86_64')]).problems).toEqual([
      'config.layers (runtimes) = python3.15 is not offered by aws/codebuild/amazonlinux-x86_64-standard:5.0 (x86_64), which builds the layers and runs their tests: it offers Python 3.9, 3.10, 3.11, 3.12, 3.13, 3.14',
    ]);
  });
});
