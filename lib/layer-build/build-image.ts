/**
 * What the CodeBuild image a build runs on really offers, against the table the configuration is checked with
 * (`lib/config/build-images.ts`). CodeBuild's images list their runtimes in `/codebuild/image/config/runtimes.yml`;
 * when CodeBuild adds or drops a version, the build prints it, so the table is corrected rather than trusted.
 */
import * as fs from 'fs';
import { parse } from 'yaml';
import { BUILD_IMAGES } from '../config/build-images';

/** Where CodeBuild's images keep the runtimes their buildspecs may ask for. */
export const CODEBUILD_RUNTIMES_FILE = '/codebuild/image/config/runtimes.yml';

/** The Python and Node.js versions a runtimes.yml offers. */
export interface ImageRuntimes {
  readonly python: readonly string[];
  readonly nodejs: readonly string[];
}

/** Reads a runtimes.yml: each runtime's versions, as written (`3.10` stays `3.10`). */
export function parseRuntimesYml(text: string): ImageRuntimes {
  // The failsafe schema keeps every scalar a string, so the version 3.10 is not read as the number 3.1.
  const document = parse(text, { schema: 'failsafe' }) as { runtimes?: Record<string, { versions?: object }> };
  const versions = (runtime: string) =>
    Object.keys(document?.runtimes?.[runtime]?.versions ?? {})
      .filter((v) => /^\d/.test(v))
      .sort(byVersion);
  return { python: versions('python'), nodejs: versions('nodejs') };
}

function byVersion(a: string, b: string): number {
  const [pa, pb] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Lines that compare an image's runtimes with the table: one line when they agree, the differences and the fix when
 * they do not, and a note when the image is not one the table knows.
 */
export function compareImage(image: string, offered: ImageRuntimes): string[] {
  const known = Object.values(BUILD_IMAGES).find((i) => i.name === image);
  const summary = `${image} offers Python ${offered.python.join(', ')} and Node.js ${offered.nodejs.join(', ')}`;
  if (!known) return [`${summary}; lib/config/build-images.ts does not list this image.`];
  const differences = (['python', 'nodejs'] as const).flatMap((runtime) => {
    const added = offered[runtime].filter((v) => !known[runtime].includes(v));
    const dropped = known[runtime].filter((v) => !offered[runtime].includes(v));
    return [
      ...(added.length
        ? [`  ${runtime} ${added.join(', ')}: offered, but not in the table (configurations may use it)`]
        : []),
      ...(dropped.length
        ? [`  ${runtime} ${dropped.join(', ')}: in the table, but no longer offered (a build asking for it fails)`]
        : []),
    ];
  });
  if (differences.length === 0) return [`${summary}, as lib/config/build-images.ts says.`];
  return [
    `${summary}, which differs from lib/config/build-images.ts:`,
    ...differences,
    `  Fix: update the image's entry in lib/config/build-images.ts and its copy in test/fixtures/codebuild-runtimes.`,
  ];
}

/** The comparison for the image this build runs on, or a note when it is not a CodeBuild image. */
export function describeBuildImage(env: NodeJS.ProcessEnv, runtimesFile = CODEBUILD_RUNTIMES_FILE): string[] {
  const image = env.CODEBUILD_BUILD_IMAGE;
  if (!image || !fs.existsSync(runtimesFile)) {
    return ['Not on a CodeBuild image (no CODEBUILD_BUILD_IMAGE or no runtimes.yml): nothing to compare.'];
  }
  return compareImage(image, parseRuntimesYml(fs.readFileSync(runtimesFile, 'utf8')));
}
