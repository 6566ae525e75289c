/** 4. The time of the whole test suite (`npm test`), and of another checkout's with `--baseline-tests`. */
import { performance } from 'perf_hooks';
import { Options } from './options';
import { PROJECT_ROOT, log, median, run, seconds } from './processes';
import { Row, measured, notMeasured } from './rows';

// ---------------------------------------------------------------------------------------------------------------
// The test suite
// ---------------------------------------------------------------------------------------------------------------

/** One run of a checkout's `npm test`: its time, exit code and how many tests it ran (jest's and Python's). */
interface SuiteRun {
  readonly seconds: number;
  readonly code: number;
  readonly tests: number;
  readonly output: string;
}

function runSuite(cwd: string): SuiteRun {
  const start = performance.now();
  const { code, output } = run('npm', ['test'], { cwd, allowFailure: true });
  const jest = /^Tests:.*?(\d+) total/m.exec(output);
  const python = /^python: (\d+) passed/m.exec(output);
  const tests = Number(jest?.[1] ?? 0) + Number(python?.[1] ?? 0);
  return { seconds: seconds(start), code, tests, output };
}

/**
 * Section 4: the whole test suite; with a baseline checkout, both suites alternately, so that the machine's load
 * falls on both alike, and the ratio of their medians.
 */
export function benchTests(options: Options, samples: Record<string, number[]>): Row[] {
  const section = 'tests';
  const metric = 'npm test (whole suite)';
  if (options.skipTests) return [notMeasured(section, metric, 'skipped', '--skip-tests')];
  const runs = options.baselineTests ? options.testRuns : 1;
  const mine: SuiteRun[] = [];
  const theirs: SuiteRun[] = [];
  for (let i = 0; i < runs; i++) {
    if (options.baselineTests) {
      log(`npm test of the baseline, run ${i + 1} of ${runs} (minutes)`);
      theirs.push(runSuite(options.baselineTests));
      log(`baseline: ${theirs[i].seconds.toFixed(1)} s, ${theirs[i].tests} tests, exit code ${theirs[i].code}`);
    }
    log(`npm test, run ${i + 1} of ${runs} (minutes)`);
    mine.push(runSuite(PROJECT_ROOT));
    log(`npm test: ${mine[i].seconds.toFixed(1)} s, ${mine[i].tests} tests, exit code ${mine[i].code}`);
  }
  samples['tests.npmTest'] = mine.map((r) => r.seconds);
  const failed = mine.find((r) => r.code !== 0);
  if (failed) {
    log(`npm test output (end):\n${failed.output.slice(-3000)}`);
    return [{ section, metric, unit: 's', status: 'failed', note: `exit code ${failed.code}: the suite fails` }];
  }
  const s = median(mine.map((r) => r.seconds));
  const rows = [measured(section, metric, s, 's', undefined, `${mine[0].tests} tests`)];
  if (options.baselineTests) {
    samples['tests.baselineNpmTest'] = theirs.map((r) => r.seconds);
    const base = median(theirs.map((r) => r.seconds));
    const perTest = s / Math.max(1, mine[0].tests) / (base / Math.max(1, theirs[0].tests));
    rows.push(
      measured(section, 'npm test of the baseline', base, 's', undefined, `${theirs[0].tests} tests`),
      measured(section, 'npm test / the baseline', s / base, 'x', { op: '<=', limit: 0.5 }),
      measured(section, 'seconds a test / the baseline', perTest, 'x'),
    );
  }
  return rows;
}
