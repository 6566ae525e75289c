/** 3. `cdk synth` of copies of the project with 1, 10, 50 and 100 functions. */
import * as fs from 'fs';
import * as path from 'path';
import { LAYER } from './layer-builder-bench';
import { Options } from './options';
import { CODEPIPELINE_ACTIONS_PER_STAGE, pipelineShape } from './pipeline-shape';
import { Scratch, log, median, readJson, writeJson } from './processes';
import { Row, measured } from './rows';
import { timeSynth } from './synth-versus-empty';

const FUNCTION_COUNTS = [1, 10, 50, 100];
const TEMPLATE_FUNCTION = 'health-check';

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
export function benchSynthScale(options: Options, scratch: Scratch, samples: Record<string, number[]>): Row[] {
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
