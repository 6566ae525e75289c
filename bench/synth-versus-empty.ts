/** 1. `cdk synth` of the project versus an empty app made by `cdk init app --language typescript`. */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Options } from './options';
import { CDK, PROJECT_ROOT, Scratch, log, median, run, seconds } from './processes';
import { firstLine } from './report';
import { Row, Target, measured, notMeasured } from './rows';

// ---------------------------------------------------------------------------------------------------------------
// cdk synth
// ---------------------------------------------------------------------------------------------------------------

/** Times `cdk synth -q` of the app in `appDir` with its own CLI, into a fresh folder; returns that folder. */
export function timeSynth(appDir: string, scratch: Scratch): { seconds: number; outDir: string } {
  const outDir = scratch.dir('cdk-out');
  const start = performance.now();
  run(CDK, ['synth', '-q', '--output', outDir], { cwd: appDir });
  return { seconds: seconds(start), outDir };
}

/** An empty app made by today's `cdk init app --language typescript`, its dependencies installed. */
function createEmptyApp(scratch: Scratch): string {
  const dir = path.join(scratch.dir('init'), 'empty-app');
  fs.mkdirSync(dir);
  log('cdk init app --language typescript --generate-only, then npm install (about a minute)');
  run(path.join(PROJECT_ROOT, CDK), ['init', 'app', '--language', 'typescript', '--generate-only'], { cwd: dir });
  run('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir });
  return dir;
}

interface SynthComparison {
  readonly rows: Row[];
  /** The output of the project's last synth, for the pipeline's shape. */
  readonly projectOut?: string;
}

/** Section 1: the project's synth versus the empty app's, runs interleaved. */
export function benchSynthVersusEmpty(
  options: Options,
  scratch: Scratch,
  samples: Record<string, number[]>,
): SynthComparison {
  const section = 'synth';
  let emptyApp: string | undefined;
  let emptyProblem: Row | undefined;
  if (options.skipInit) {
    emptyProblem = notMeasured(section, 'synth, empty cdk init app', 'skipped', '--skip-init');
  } else {
    try {
      emptyApp = createEmptyApp(scratch);
    } catch (error) {
      emptyProblem = notMeasured(
        section,
        'synth, empty cdk init app',
        'failed',
        `cdk init / npm install failed: ${firstLine(error)}`,
      );
      log(`empty app: ${String(error)}`);
    }
  }

  const project: number[] = (samples['synth.project'] = []);
  const empty: number[] = (samples['synth.emptyApp'] = []);
  let projectOut: string | undefined;
  for (let i = 1; i <= options.runs; i++) {
    const a = timeSynth(PROJECT_ROOT, scratch);
    project.push(a.seconds);
    if (projectOut) fs.rmSync(projectOut, { recursive: true, force: true });
    projectOut = a.outDir;
    let line = `synth run ${i}/${options.runs}: project ${a.seconds.toFixed(1)} s`;
    if (emptyApp) {
      const b = timeSynth(emptyApp, scratch);
      empty.push(b.seconds);
      fs.rmSync(b.outDir, { recursive: true, force: true });
      line += `, empty app ${b.seconds.toFixed(1)} s`;
    }
    log(line);
  }

  const rows = [measured(section, 'synth, this project', median(project), 's')];
  const ratioTarget: Target = { op: '<=', limit: 1 };
  if (emptyProblem) {
    rows.push(
      emptyProblem,
      notMeasured(
        section,
        'synth ratio project / empty app',
        emptyProblem.status as 'skipped' | 'failed',
        'no empty app',
        ratioTarget,
      ),
    );
  } else {
    rows.push(
      measured(section, 'synth, empty cdk init app', median(empty), 's'),
      measured(section, 'synth ratio project / empty app', median(project) / median(empty), 'x', ratioTarget),
    );
  }
  return { rows, projectOut };
}
