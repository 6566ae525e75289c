/**
 * The layout holds (docs/architecture.md): no source file that needs a table of contents, and no import circle.
 *
 * eslint holds the rest (import/no-restricted-paths: which folder may import which; import/no-cycle), but its cycle
 * rule skips `import type`, and both circles this layout broke ran through one. This test follows every relative
 * import, types included.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../bin/project';
import { tempDir } from './helpers';

/** A source file longer than this is two files. */
const MAX_LINES = 400;

/** The template's own code; `lib/services/` and the functions' and layers' code are the user's. */
const SOURCE_FOLDERS = ['bin', 'lib', 'pipeline', 'bench', 'tools', 'test'];
const SOURCE_FILE = /\.(ts|cjs|mjs|js|py)$/;
const SKIPPED = new Set(['node_modules', '__pycache__', 'fixtures', 'services']);

function isTest(rel: string): boolean {
  const name = path.basename(rel);
  return name.endsWith('.test.ts') || /^test_.*\.py$/.test(name) || name === 'conftest.py';
}

/** Every source file of the template that is not a test, relative to the project's root, with `/`. */
function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (SKIPPED.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const rel = path.relative(PROJECT_ROOT, full).split(path.sep).join('/');
        if (!isTest(rel)) out.push(rel);
      }
    }
  };
  for (const folder of SOURCE_FOLDERS) {
    if (fs.existsSync(path.join(PROJECT_ROOT, folder))) walk(path.join(PROJECT_ROOT, folder));
  }
  return out.sort();
}

function lineCount(rel: string): number {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, rel), 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The project's TypeScript modules each module imports (relative imports, `import type` included). */
function importGraph(root: string, files: readonly string[]): Map<string, string[]> {
  const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm;
  const graph = new Map<string, string[]>();
  for (const rel of files.filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    const targets = [...text.matchAll(specifier)]
      .map((m) => path.posix.join(path.posix.dirname(rel), m[1]))
      .map((base) => [`${base}.ts`, `${base}/index.ts`].find((f) => fs.existsSync(path.join(root, f))))
      .filter((f): f is string => f !== undefined);
    graph.set(rel, [...new Set(targets)]);
  }
  return graph;
}

/** One circle of imports, as `a -> b -> a`, or undefined. */
function findCircle(graph: ReadonlyMap<string, readonly string[]>): string | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node].join(' -> ');
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const circle = visit(next);
      if (circle) return circle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const circle = visit(node);
    if (circle) return circle;
  }
  return undefined;
}

describe('the layout', () => {
  const files = sourceFiles();

  test('finds the source files it judges', () => {
    expect(files).toEqual(
      expect.arrayContaining(['bin/app.ts', 'lib/config/app-config.ts', 'pipeline/pipeline-stack.ts']),
    );
    expect(files.filter(isTest)).toEqual([]);
  });

  test(`no source file (tests aside) is over ${MAX_LINES} lines`, () => {
    const long = files.filter((f) => lineCount(f) > MAX_LINES).map((f) => `${f}: ${lineCount(f)} lines`);
    expect(long).toEqual([]);
  });

  test('no import circle, `import type` included', () => {
    expect(findCircle(importGraph(PROJECT_ROOT, files))).toBeUndefined();
  });

  test('the circle check sees a circle that runs through `import type`', () => {
    const root = tempDir('layout-');
    fs.mkdirSync(path.join(root, 'lib', 'config'), { recursive: true });
    const write = (rel: string, text: string) => fs.writeFileSync(path.join(root, rel), text);
    write(
      'lib/config/config.ts',
      "import { layerFolderProblems } from '../layer-source';\nexport interface LayerConfig {}\n",
    );
    write(
      'lib/layer-source.ts',
      "import type { LayerConfig } from './config/config';\nexport const layerFolderProblems = 1;\n",
    );
    const graph = importGraph(root, ['lib/config/config.ts', 'lib/layer-source.ts']);
    expect(findCircle(graph)).toBe('lib/config/config.ts -> lib/layer-source.ts -> lib/config/config.ts');
  });
});
