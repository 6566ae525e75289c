/**
 * The project's benchmark: figures measured side by side in one run, medians of N runs, and the ratios that have
 * targets. Prints a table and writes the same as JSON to `.bench/results.json`.
 *
 *   npm run bench -- [--runs N] [--skip-init] [--skip-tests] [--skip-deploy] [--write-docs]
 *                    [--baseline-assembly <cdk.out of another version>]
 *                    [--baseline-tests <checkout of another version, its packages installed>] [--test-runs N]
 *
 * 1. `cdk synth` of the project versus an empty app made by `cdk init app --language typescript` (runs interleaved).
 * 2. The layer builder on the `common` layer from an offline wheelhouse: first build, no-op rebuild, and the layer's
 *    size versus a plain `pip install -t`.
 * 3. `cdk synth` of copies of the project with 1, 10, 50 and 100 functions.
 * 4. The time of the whole test suite (`npm test`); with `--baseline-tests`, the suite of another checkout too, the
 *    two run alternately (`--test-runs` times each, default 1), medians compared, and each suite's test count.
 * 5. The pipeline's shape and a model of its time (`pipeline-model.ts`), from the project's synthesized assembly,
 *    with the tests, synth and layer build timed above; with `--baseline-assembly`, the same model of another
 *    version's assembly (for example `cdk.out` of a checkout of an earlier commit) beside it.
 *
 * 6. The deploy suite (`npm run test:deploy`) against the local AWS emulator, against its target of 5 minutes.
 *
 * It is a report: it exits 0 even when a target is missed, and says MISSED on that row. With `--write-docs` it also
 * writes the table into docs/performance.md, with the date and machine (the only way figures get there).
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { benchDeploySuite } from './deploy-suite-bench';
import { writeFigures } from './docs-figures';
import { benchLayerBuilder } from './layer-builder-bench';
import { parseOptions } from './options';
import { benchPipeline } from './pipeline-shape';
import { PROJECT_ROOT, Scratch, log, seconds, writeJson } from './processes';
import { firstLine, machine, table } from './report';
import { Results, Row, notMeasured } from './rows';
import { benchSynthScale } from './synth-scale';
import { benchSynthVersusEmpty } from './synth-versus-empty';
import { benchTests } from './test-suite';

const RESULTS_FILE = path.join(PROJECT_ROOT, '.bench', 'results.json');
const PERFORMANCE_DOC = path.join(PROJECT_ROOT, 'docs', 'performance.md');

/** Runs one section; a failure becomes a failed row instead of ending the benchmark. */
async function section(name: string, rows: Row[], fn: () => Row[] | Promise<Row[]>): Promise<void> {
  log(`--- ${name}`);
  try {
    rows.push(...(await fn()));
  } catch (error) {
    log(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    rows.push(notMeasured(name, name, 'failed', firstLine(error)));
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const scratch = new Scratch();
  const rows: Row[] = [];
  const samples: Record<string, number[]> = {};
  try {
    let projectOut: string | undefined;
    await section('synth', rows, () => {
      const comparison = benchSynthVersusEmpty(options, scratch, samples);
      projectOut = comparison.projectOut;
      return comparison.rows;
    });
    await section('layer builder', rows, () => benchLayerBuilder(options, scratch, samples));
    await section('synth at scale', rows, () => benchSynthScale(options, scratch, samples));
    await section('tests', rows, () => benchTests(options, samples));
    await section('pipeline', rows, () => benchPipeline(options, projectOut, samples));
    await section('deploy suite', rows, () => benchDeploySuite(options, samples));
  } finally {
    scratch.cleanUp();
  }

  const results: Results = {
    date: new Date().toISOString(),
    machine: machine(),
    runs: options.runs,
    totalSeconds: seconds(started),
    rows,
    samples,
  };
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeJson(RESULTS_FILE, results);
  process.stdout.write(table(results));
  process.stdout.write(`Results written to ${path.relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE}\n`);
  if (options.writeDocs) {
    writeFigures(PERFORMANCE_DOC, results);
    process.stdout.write(`Figures written to ${path.relative(process.cwd(), PERFORMANCE_DOC)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
