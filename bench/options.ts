/** The bench's command line: `npm run bench -- [--runs N] [--skip-init] [--skip-tests] ...`. */
import * as fs from 'fs';
import * as path from 'path';

export interface Options {
  readonly runs: number;
  readonly skipInit: boolean;
  readonly skipTests: boolean;
  readonly skipDeploy: boolean;
  /** A synthesized assembly of another version, modelled beside this one. */
  readonly baselineAssembly?: string;
  /** A checkout of another version (packages installed) whose `npm test` is timed beside this one's. */
  readonly baselineTests?: string;
  /** How many times each suite runs when compared with a baseline. */
  readonly testRuns: number;
  /** Write the figures into docs/performance.md (its figures section). */
  readonly writeDocs: boolean;
}

/** A value must be at most (`<=`) or below (`<`) the limit. */

export function parseOptions(argv: readonly string[]): Options {
  const options: { -readonly [K in keyof Options]: Options[K] } = {
    runs: 3,
    skipInit: false,
    skipTests: false,
    skipDeploy: false,
    testRuns: 1,
    writeDocs: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--skip-init') options.skipInit = true;
    else if (arg === '--skip-tests') options.skipTests = true;
    else if (arg === '--skip-deploy') options.skipDeploy = true;
    else if (arg === '--write-docs') options.writeDocs = true;
    else if (arg === '--runs' || arg.startsWith('--runs=') || arg === '--test-runs') {
      const name = arg.startsWith('--runs') ? '--runs' : '--test-runs';
      const raw = arg === name ? argv[++i] : arg.slice(`${name}=`.length);
      const runs = Number(raw);
      if (!Number.isInteger(runs) || runs < 1) usage(`${name} wants a whole number of at least 1, not "${raw ?? ''}"`);
      if (name === '--runs') options.runs = runs;
      else options.testRuns = runs;
    } else if (arg === '--baseline-tests') {
      const dir = argv[++i];
      if (!dir || !fs.existsSync(path.join(dir, 'package.json')) || !fs.existsSync(path.join(dir, 'node_modules')))
        usage(
          `--baseline-tests wants a checkout with its packages installed (package.json, node_modules), not "${dir ?? ''}"`,
        );
      options.baselineTests = path.resolve(dir);
    } else if (arg === '--baseline-assembly') {
      const dir = argv[++i];
      if (!dir || !fs.existsSync(path.join(dir, 'PipelineStack.template.json')))
        usage(`--baseline-assembly wants a cdk.out folder holding PipelineStack.template.json, not "${dir ?? ''}"`);
      options.baselineAssembly = path.resolve(dir);
    } else usage(`unknown argument "${arg}"`);
  }
  return options;
}

function usage(message: string): never {
  process.stderr.write(
    `bench: ${message}\nUsage: npm run bench -- [--runs N] [--skip-init] [--skip-tests] [--skip-deploy] [--write-docs] [--baseline-assembly DIR] [--baseline-tests DIR] [--test-runs N]\n`,
  );
  process.exit(2);
}
