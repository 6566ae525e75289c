/** 6. The deploy suite (`npm run test:deploy`) against the local AWS emulator: its time against the target. */
import { performance } from 'perf_hooks';
import { Options } from './options';
import { PROJECT_ROOT, run, seconds } from './processes';
import { Row, measured, notMeasured } from './rows';

/** The deploy suite should run in CI in under five minutes on this 2-core machine. */
const TARGET_SECONDS = 300;

export function benchDeploySuite(options: Options, samples: Record<string, number[]>): Row[] {
  const section = 'deploy suite';
  const metric = 'npm run test:deploy (local AWS emulator)';
  if (options.skipDeploy) return [notMeasured(section, metric, 'skipped', '--skip-deploy')];
  const start = performance.now();
  const { code, output } = run('npm', ['run', '--silent', 'test:deploy'], { cwd: PROJECT_ROOT, allowFailure: true });
  const elapsed = seconds(start);
  const closing = /^deploy: .*$/m.exec(output)?.[0] ?? 'no closing line';
  if (code !== 0) return [notMeasured(section, metric, 'failed', closing)];
  samples[metric] = [elapsed];
  return [measured(section, metric, elapsed, 's', { op: '<', limit: TARGET_SECONDS }, closing)];
}
