#!/usr/bin/env node
/**
 * `npm run diagram [-- --check]`
 *
 * Synthesizes the app as `cdk synth` does (into a temporary folder), reads the PipelineStack template and writes a
 * Mermaid flowchart of the pipeline's stages and actions into docs/pipeline.md, between its diagram markers. With
 * `--check` it writes nothing and fails when docs/pipeline.md's diagram is not the current one.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pipelineDiagram, withDiagram } from '../pipeline/pipeline-diagram';
import { createApp } from './main';
import { cdkJsonContext, PROJECT_ROOT, runTool, UsageError } from './project';

const DIAGRAM_FILE = path.join(PROJECT_ROOT, 'docs', 'pipeline.md');

/** Which project {@link currentDiagram} draws. */
export interface DiagramOptions {
  /** @default PROJECT_ROOT */
  readonly projectRoot?: string;
  /** @default - the context of the project's cdk.json */
  readonly context?: Record<string, unknown>;
}

/** The diagram of the pipeline the project synthesizes now. */
export function currentDiagram(options: DiagramOptions = {}): string {
  const projectRoot = options.projectRoot ?? PROJECT_ROOT;
  const context = options.context ?? cdkJsonContext(projectRoot);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagram-'));
  try {
    const { app, pipelineStack } = createApp({ context, outdir, projectRoot });
    const assembly = app.synth();
    return pipelineDiagram(assembly.getStackArtifact(pipelineStack.artifactId).template);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runTool(() => {
    const args = process.argv.slice(2);
    const unknown = args.filter((a) => a !== '--check');
    if (unknown.length > 0) throw new UsageError(`unknown argument ${unknown[0]}\nusage: npm run diagram [-- --check]`);
    const readme = fs.readFileSync(DIAGRAM_FILE, 'utf8');
    const updated = withDiagram(readme, currentDiagram());
    if (args.includes('--check')) {
      if (updated === readme) return 0;
      process.stderr.write('docs/pipeline.md: the pipeline diagram is not the current one. Run: npm run diagram\n');
      return 1;
    }
    fs.writeFileSync(DIAGRAM_FILE, updated);
    process.stdout.write(
      updated === readme
        ? 'docs/pipeline.md: the pipeline diagram is current.\n'
        : 'docs/pipeline.md: pipeline diagram updated.\n',
    );
    return 0;
  });
}
