/**
 * The project's benchmark: figures measured side by side in one run, medians of N runs, and the ratios that have
 * targets. Prints a table and writes the same as JSON to `.bench/results.json`.
 *
 *   npm run bench -- [--runs N] [--skip-init] [--skip-tests] [--baseline-assembly <cdk.out of another version>]
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
 * It is a report: it exits 0 even when a target is missed, and says MISSED on that row.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { loadProjectConfig } from '../bin/project';
import type { LayerConfig } from '../lib/config/layers-config';
import { buildLayer } from '../lib/build/layer-builder';
import { makeWheel, offlinePipEnv } from '../test/wheel-maker';
import { ActionCosts, DEFAULT_ACTION_COSTS, modelPipeline, PipelineTimeModel } from './pipeline-model';

const PROJECT_ROOT = path.resolve(__dirname, '..');
const RESULTS_FILE = path.join(PROJECT_ROOT, '.bench', 'results.json');
const CDK = path.join('node_modules', '.bin', 'cdk');
const LAYER = 'common';
const FUNCTION_COUNTS = [1, 10, 50, 100];
const TEMPLATE_FUNCTION = 'health-check';
const CODEPIPELINE_ACTIONS_PER_STAGE = 50;
/** The manylinux platform of each architecture, as wheel tags and pip's `--platform` name it. */
const MANYLINUX: Record<string, string> = { arm64: 'aarch64', x86_64: 'x86_64' };

// ---------------------------------------------------------------------------------------------------------------
// Options, rows, results
// ---------------------------------------------------------------------------------------------------------------

interface Options {
  readonly runs: number;
  readonly skipInit: boolean;
  readonly skipTests: boolean;
  /** A synthesized assembly of another version, modelled beside this one. */
  readonly baselineAssembly?: string;
  /** A checkout of another version (packages installed) whose `npm test` is timed beside this one's. */
  readonly baselineTests?: string;
  /** How many times each suite runs when compared with a baseline. */
  readonly testRuns: number;
}

/** A value must be at most (`<=`) or below (`<`) the limit. */
interface Target {
  readonly op: '<=' | '<';
  readonly limit: number;
}

type Status = 'ok' | 'MISSED' | 'info' | 'skipped' | 'failed';

interface Row {
  readonly section: string;
  readonly metric: string;
  /** The figure, or undefined when it was not measured. */
  readonly value?: number;
  readonly unit: string;
  readonly target?: Target;
  readonly status: Status;
  /** Why a row is skipped or failed, or anything else worth knowing about it. */
  readonly note?: string;
}

interface Machine {
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
}

interface Results {
  readonly date: string;
  readonly machine: Machine;
  readonly runs: number;
  readonly totalSeconds: number;
  readonly rows: readonly Row[];
  /** Every timing, in seconds, by what was timed: the medians in `rows` come from these. */
  readonly samples: Record<string, number[]>;
}

function parseOptions(argv: readonly string[]): Options {
  const options: { -readonly [K in keyof Options]: Options[K] } = {
    runs: 3,
    skipInit: false,
    skipTests: false,
    testRuns: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--skip-init') options.skipInit = true;
    else if (arg === '--skip-tests') options.skipTests = true;
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
    `bench: ${message}\nUsage: npm run bench -- [--runs N] [--skip-init] [--skip-tests] [--baseline-assembly DIR] [--baseline-tests DIR] [--test-runs N]\n`,
  );
  process.exit(2);
}

/** A measured row, its status decided by its target (no target: informational). */
function measured(section: string, metric: string, value: number, unit: string, target?: Target, note?: string): Row {
  const status: Status = !target ? 'info' : meets(value, target) ? 'ok' : 'MISSED';
  return { section, metric, value, unit, target, status, note };
}

function meets(value: number, { op, limit }: Target): boolean {
  return op === '<=' ? value <= limit : value < limit;
}

function notMeasured(
  section: string,
  metric: string,
  status: 'skipped' | 'failed',
  note: string,
  target?: Target,
): Row {
  return { section, metric, unit: '', target, status, note };
}

// ---------------------------------------------------------------------------------------------------------------
// Processes, time, files
// ---------------------------------------------------------------------------------------------------------------

interface RunOptions {
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** Return the exit code instead of throwing on failure. */
  readonly allowFailure?: boolean;
  /** Written to the command's standard input. */
  readonly input?: string;
}

interface RunResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a command to completion, its output captured; throws with the output's end when it fails. */
function run(command: string, args: readonly string[], options: RunOptions): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    input: options.input,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (result.error) throw new Error(`cannot run ${command}: ${result.error.message}`);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const code = result.status ?? 1;
  if (code !== 0 && !options.allowFailure) {
    throw new Error(`${command} ${args.join(' ')} (in ${options.cwd}) exited with ${code}:\n${output.slice(-3000)}`);
  }
  return { code, output };
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const start = performance.now();
  const result = await fn();
  return { seconds: seconds(start), result };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Total size of every file below `dir` (not following symbolic links). */
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(full);
    else total += fs.lstatSync(full).size;
  }
  return total;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** Temporary folders, all under one root removed at the end. */
class Scratch {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));

  /** A new, empty folder. */
  dir(prefix: string): string {
    return fs.mkdtempSync(path.join(this.root, `${prefix}-`));
  }

  /** A copy of the given entries of the project, with the project's node_modules linked in. */
  projectCopy(prefix: string, entries: readonly string[]): string {
    const root = this.dir(prefix);
    for (const entry of entries) {
      fs.cpSync(path.join(PROJECT_ROOT, entry), path.join(root, entry), {
        recursive: true,
        filter: (src) => !['__pycache__', '.pytest_cache'].includes(path.basename(src)),
      });
    }
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    return root;
  }

  cleanUp(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// cdk synth
// ---------------------------------------------------------------------------------------------------------------

/** Times `cdk synth -q` of the app in `appDir` with its own CLI, into a fresh folder; returns that folder. */
function timeSynth(appDir: string, scratch: Scratch): { seconds: number; outDir: string } {
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
function benchSynthVersusEmpty(options: Options, scratch: Scratch, samples: Record<string, number[]>): SynthComparison {
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

// ---------------------------------------------------------------------------------------------------------------
// The layer builder
// ---------------------------------------------------------------------------------------------------------------

/** About `bytes` of plausible Python source, so that sizes mean something. */
function pythonSource(bytes: number): string {
  let source = '"""A stand-in for orjson, for the benchmark: plain Python of a realistic size."""\n\n';
  for (let i = 0; source.length < bytes; i++) {
    source += `def dumps_${i}(value, option=None):\n    """Serializes value #${i}."""\n    return repr(value).encode() + b"${i}"\n\n`;
  }
  return source;
}

/** pip's flags for the layer's Lambda platform: its first runtime and architecture, binary wheels only. */
function plainPipFlags(layer: LayerConfig): string[] {
  const python = layer.runtimes[0].replace(/^python/, '');
  const platform = `manylinux2014_${MANYLINUX[layer.architectures[0]]}`;
  return ['--platform', platform, '--implementation', 'cp', '--python-version', python, '--only-binary=:all:'];
}

/**
 * A folder holding a fake wheel of each package the layer's requirements pin (`name==version`), for its first
 * runtime and architecture: the layer builds offline, whatever the project's layer and its pins become.
 */
function makeWheelhouse(scratch: Scratch, projectRoot: string, layer: LayerConfig): string {
  const dir = scratch.dir('wheelhouse');
  const cp = `cp${layer.runtimes[0].replace(/^python|\./g, '')}`;
  const arch = MANYLINUX[layer.architectures[0]];
  const requirements = fs.readFileSync(path.join(projectRoot, 'layers', layer.name, 'requirements.txt'), 'utf8');
  for (const [, name, version] of requirements.matchAll(/^([A-Za-z0-9_.-]+)==([^\s;#]+)/gm)) {
    const module = name.toLowerCase().replace(/[-.]/g, '_');
    makeWheel(dir, {
      name: module,
      version,
      tag: `${cp}-${cp}-manylinux_2_17_${arch}.manylinux2014_${arch}`,
      files: { [`${module}/__init__.py`]: pythonSource(200 * 1024) },
    });
  }
  return dir;
}

/** Runs `fn` with extra environment variables (the builder's pip inherits them), restoring them afterwards. */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function layerConfig(projectRoot: string, name: string): LayerConfig {
  const layer = loadProjectConfig(projectRoot).layers.find((l) => l.name === name);
  if (!layer) throw new Error(`cdk.json declares no layer "${name}"`);
  return layer;
}

/** Size of a plain `pip install -r requirements.txt -t <dir>` of the layer's requirements, everything pip wrote. */
function plainInstallBytes(
  projectRoot: string,
  layer: LayerConfig,
  pipEnv: Record<string, string>,
  scratch: Scratch,
): number {
  const target = path.join(scratch.dir('plain-pip'), 'site');
  const requirements = path.join(projectRoot, 'layers', LAYER, 'requirements.txt');
  run('python3', ['-m', 'pip', 'install', '-r', requirements, '-t', target, ...plainPipFlags(layer)], {
    cwd: projectRoot,
    env: pipEnv,
  });
  return treeBytes(target);
}

/** Section 2: first build and no-op rebuild of the layer, interleaved, and its size against a plain install. */
async function benchLayerBuilder(
  options: Options,
  scratch: Scratch,
  samples: Record<string, number[]>,
): Promise<Row[]> {
  const section = 'layer builder';
  const root = scratch.projectCopy('layer-project', ['layers', 'lambda', 'cdk.json', 'package.json']);
  const layer = layerConfig(root, LAYER);
  const pipEnv = offlinePipEnv(makeWheelhouse(scratch, root, layer));

  const first: number[] = (samples['layer.firstBuild'] = []);
  const noop: number[] = (samples['layer.noopRebuild'] = []);
  let unzippedBytes = 0;
  const notSkipped: number[] = [];
  await withEnv(pipEnv, async () => {
    for (let i = 1; i <= options.runs; i++) {
      const built = await timeAsync(() => buildLayer(layer, { projectRoot: root, force: true }));
      first.push(built.seconds);
      unzippedBytes = built.result.manifest.unzippedBytes;
      const again = await timeAsync(() => buildLayer(layer, { projectRoot: root }));
      noop.push(again.seconds);
      if (!again.result.skipped) notSkipped.push(i);
      log(
        `layer run ${i}/${options.runs}: first build ${built.seconds.toFixed(2)} s, no-op ${again.seconds.toFixed(3)} s`,
      );
    }
  });
  const plainBytes = plainInstallBytes(root, layer, pipEnv, scratch);
  const KiB = 1024;
  return [
    measured(section, `layer "${LAYER}" first build (--force)`, median(first), 's'),
    measured(
      section,
      `layer "${LAYER}" no-op rebuild`,
      median(noop),
      's',
      undefined,
      notSkipped.length > 0 ? `the rebuild was not skipped in run(s) ${notSkipped.join(', ')}` : undefined,
    ),
    measured(section, 'layer ratio no-op / first build', median(noop) / median(first), 'x', { op: '<', limit: 0.1 }),
    measured(section, `layer "${LAYER}" size (manifest unzippedBytes)`, unzippedBytes / KiB, 'KiB'),
    measured(section, 'plain pip install -t size', plainBytes / KiB, 'KiB'),
    measured(section, 'size ratio layer / plain pip install', unzippedBytes / plainBytes, 'x', { op: '<=', limit: 1 }),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Synth at scale
// ---------------------------------------------------------------------------------------------------------------

interface CdkJson {
  context: { config: { functions: Record<string, Record<string, unknown>> } };
}

/** A copy of the project whose functions are `count` copies of the health-check function, ten per stack. */
function scaledProject(count: number, scratch: Scratch): string {
  const root = scratch.projectCopy(`scale-${count}`, [
    'bin',
    'lib',
    'pipeline',
    'lambda',
    'layers',
    'buildspecs',
    'cdk.json',
    'package.json',
    'tsconfig.json',
  ]);
  const cdkJsonFile = path.join(root, 'cdk.json');
  const cdkJson = readJson<CdkJson>(cdkJsonFile);
  const original = cdkJson.context.config.functions;
  const template = original[TEMPLATE_FUNCTION];
  const lambdaDir = path.join(root, 'lambda');

  const functions: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < count; i++) {
    const name = `fn-${i}`;
    fs.cpSync(path.join(lambdaDir, TEMPLATE_FUNCTION), path.join(lambdaDir, name), { recursive: true });
    functions[name] = {
      ...template,
      description: `Copy ${i} of ${TEMPLATE_FUNCTION}`,
      stack: `stack-${Math.floor(i / 10)}`,
      layers: [LAYER],
      // Its routes, each copy on a path of its own: two functions of one stack may not claim the same route.
      ...(Array.isArray(template.http)
        ? { http: template.http.map((r: any) => ({ ...r, route: `${String(r.route).split(' ')[0]} /${name}` })) }
        : {}),
    };
  }
  for (const name of Object.keys(original)) fs.rmSync(path.join(lambdaDir, name), { recursive: true, force: true });
  cdkJson.context.config.functions = functions;
  writeJson(cdkJsonFile, cdkJson);
  // The project's service modules belong to its own stacks and functions, which the copy no longer has.
  fs.writeFileSync(
    path.join(root, 'lib', 'services', 'index.ts'),
    "import type { Services } from '../service';\n\nexport const SERVICES: Services = {};\n",
  );
  return root;
}

/** Section 3: synth time against the number of functions, runs interleaved across the counts. */
function benchSynthScale(options: Options, scratch: Scratch, samples: Record<string, number[]>): Row[] {
  const section = 'synth at scale';
  const projects = new Map(FUNCTION_COUNTS.map((n) => [n, scaledProject(n, scratch)]));
  const times = new Map(FUNCTION_COUNTS.map((n) => [n, (samples[`synth.functions.${n}`] = [] as number[])]));
  let largestOut: string | undefined;
  for (let i = 1; i <= options.runs; i++) {
    for (const n of FUNCTION_COUNTS) {
      const { seconds: s, outDir } = timeSynth(projects.get(n)!, scratch);
      times.get(n)!.push(s);
      if (n === Math.max(...FUNCTION_COUNTS)) {
        if (largestOut) fs.rmSync(largestOut, { recursive: true, force: true });
        largestOut = outDir;
      } else fs.rmSync(outDir, { recursive: true, force: true });
    }
    log(
      `scale run ${i}/${options.runs}: ${FUNCTION_COUNTS.map((n) => `${n} fn ${times.get(n)!.at(-1)!.toFixed(1)} s`).join(', ')}`,
    );
  }

  const lo = Math.min(...FUNCTION_COUNTS);
  const hi = Math.max(...FUNCTION_COUNTS);
  const rows = FUNCTION_COUNTS.map((n) =>
    measured(section, `synth with ${n} function${n === 1 ? '' : 's'}`, median(times.get(n)!), 's'),
  );
  rows.push(
    measured(section, `synth ratio t(${hi}) / t(${lo})`, median(times.get(hi)!) / median(times.get(lo)!), 'x', {
      op: '<=',
      limit: 3,
    }),
  );
  const shape = pipelineShape(path.join(largestOut!, 'PipelineStack.template.json'));
  rows.push(
    measured(
      section,
      `largest pipeline stage with ${hi} functions`,
      shape.maxActionsPerStage,
      'actions',
      { op: '<=', limit: CODEPIPELINE_ACTIONS_PER_STAGE },
      `stage ${shape.largestStage}`,
    ),
  );
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// The pipeline's shape
// ---------------------------------------------------------------------------------------------------------------

interface PipelineAction {
  readonly Name: string;
  readonly ActionTypeId: { readonly Provider: string };
  readonly RunOrder?: number;
}

interface PipelineStage {
  readonly Name: string;
  readonly Actions: readonly PipelineAction[];
}

interface Template {
  readonly Resources: Record<
    string,
    { readonly Type: string; readonly Properties?: { readonly Stages?: PipelineStage[] } }
  >;
}

interface PipelineShape {
  readonly maxActionsPerStage: number;
  readonly largestStage: string;
}

function pipelineStages(templateFile: string): PipelineStage[] {
  const template = readJson<Template>(templateFile);
  const pipeline = Object.values(template.Resources).find((r) => r.Type === 'AWS::CodePipeline::Pipeline');
  if (!pipeline?.Properties?.Stages) throw new Error(`${templateFile} has no AWS::CodePipeline::Pipeline with stages`);
  return pipeline.Properties.Stages;
}

/** The largest stage of a synthesized pipeline (CodePipeline allows 50 actions in one). */
function pipelineShape(templateFile: string): PipelineShape {
  const largest = pipelineStages(templateFile).reduce((a, b) => (b.Actions.length > a.Actions.length ? b : a));
  return { maxActionsPerStage: largest.Actions.length, largestStage: largest.Name };
}

/** Section 5: the pipeline's shape and modelled time, from its synthesized assembly (and a baseline's). */
function benchPipeline(options: Options, projectOut: string | undefined, samples: Record<string, number[]>): Row[] {
  const section = 'pipeline';
  if (!projectOut) throw new Error('the project was not synthesized');
  const shape = pipelineShape(path.join(projectOut, 'PipelineStack.template.json'));
  const measuredSeconds = (key: string) => (samples[key]?.length ? median(samples[key]) : undefined);
  const costs: ActionCosts = {
    ...DEFAULT_ACTION_COSTS,
    tests: measuredSeconds('tests.npmTest') ?? DEFAULT_ACTION_COSTS.tests,
    synth: measuredSeconds('synth.project') ?? DEFAULT_ACTION_COSTS.synth,
    layerBuild: measuredSeconds('layer.firstBuild') ?? DEFAULT_ACTION_COSTS.layerBuild,
  };
  const models: [string, PipelineTimeModel][] = [
    ['this version', modelPipeline(projectOut, costs)],
    ...(options.baselineAssembly
      ? [['baseline', modelPipeline(options.baselineAssembly, costs)] as [string, PipelineTimeModel]]
      : []),
  ];
  const rows: Row[] = [];
  for (const [label, model] of models) {
    rows.push(
      measured(
        section,
        `sequential CodeBuild actions before first deploy (${label})`,
        model.codeBuildBeforeFirstDeploy.length,
        'actions',
        label === 'this version' ? { op: '<=', limit: 3 } : undefined,
        model.codeBuildBeforeFirstDeploy.join(' -> '),
      ),
    );
    for (const [environment, minutes] of model.minutesToEnvironment) {
      rows.push(
        measured(
          section,
          `modelled minutes from push to end of ${environment} (${label})`,
          minutes,
          'min',
          undefined,
          'estimate from stated per-action costs (bench/pipeline-model.ts), approvals not counted',
        ),
      );
    }
  }
  rows.push(
    measured(
      section,
      'largest number of actions in one stage',
      shape.maxActionsPerStage,
      'actions',
      { op: '<=', limit: CODEPIPELINE_ACTIONS_PER_STAGE },
      `stage ${shape.largestStage}`,
    ),
  );
  return rows;
}

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
function benchTests(options: Options, samples: Record<string, number[]>): Row[] {
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

// ---------------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------------

function machine(): Machine {
  return {
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

function formatValue(row: Row): string {
  if (row.value === undefined) return '-';
  const digits =
    row.unit === 'x' ? 3 : row.unit === 's' ? (row.value < 1 ? 3 : 1) : Number.isInteger(row.value) ? 0 : 1;
  return `${row.value.toFixed(digits)}${row.unit === 'x' ? 'x' : ` ${row.unit}`}`;
}

function formatTarget(row: Row): string {
  if (!row.target) return '-';
  return `${row.target.op === '<=' ? '≤' : '<'} ${row.target.limit}${row.unit === 'x' ? 'x' : ` ${row.unit}`}`;
}

function formatStatus(row: Row): string {
  return row.status === 'info' ? '' : row.status;
}

function table(results: Results): string {
  const header = ['metric', 'value', 'target', 'ok?'];
  const body = results.rows.map((r) => [r.metric, formatValue(r), formatTarget(r), formatStatus(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const m = results.machine;
  const notes = results.rows.filter((r) => r.note).map((r) => `  ${r.metric}: ${r.note}`);
  return [
    `Benchmark, ${results.date}: ${m.cores} cores, ${m.memoryGiB} GiB, node ${m.node}, ${m.os}; medians of ${results.runs} run(s); ${results.totalSeconds.toFixed(0)} s in all`,
    '',
    line(header),
    rule,
    ...body.map(line),
    ...(notes.length > 0 ? ['', 'Notes:', ...notes] : []),
    '',
  ].join('\n');
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

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
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
