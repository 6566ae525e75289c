#!/usr/bin/env node
/**
 * `npm run build-image`: on a CodeBuild image, prints the Python and Node.js it offers, and where they differ from
 * the table the configuration is checked with (`lib/config/build-images.ts`); then the versions this build runs.
 * The pipeline's layer builds and synth run it first. It never fails a build: a difference is for a maintainer to fix.
 */
import { spawnSync } from 'child_process';
import { describeBuildImage } from '../lib/layer-build/build-image';
import { runTool, UsageError } from './project';

if (require.main === module) {
  runTool(() => {
    if (process.argv.length > 2) throw new UsageError('usage: npm run build-image');
    const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
    process.stdout.write(
      [
        ...describeBuildImage(process.env),
        `This build runs ${(python.stdout || python.stderr || 'no python3').trim()} and Node.js ${process.versions.node}.`,
      ].join('\n') + '\n',
    );
    return 0;
  });
}
