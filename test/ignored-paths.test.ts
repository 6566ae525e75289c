/**
 * Which push filters may skip the pipeline: none that can match a file that defines a deploy, judged with
 * CodePipeline's glob rules (`*` within a folder name, `**` across folders), and every pattern a fix message suggests
 * is one the check accepts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../bin/project';
import { parseConfig } from '../lib/config/app-config';
import { ConfigError } from '../lib/config/config-error';
import {
  DEFAULT_IGNORED_PATHS,
  DEPLOY_DEFINING_FILES,
  DEPLOY_DEFINING_FOLDERS,
  ignoredPathProblem,
  SUGGESTED_IGNORED_PATHS,
} from '../lib/config/ignored-paths';
import { baseConfig, FIXTURE_ROOT } from './helpers';

/** Every file the issue named as changing what is deployed, with others of the same kind. */
const DEPLOY_DEFINING_EXAMPLES = [
  'cdk.json',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'lib/services/orders.ts',
  'lib/config/naming.ts',
  'pipeline/pipeline-stack.ts',
  'bin/app.ts',
  'buildspecs/layer-build.yml',
  'tools/smoke_test.py',
  'layers/common/requirements.txt',
  'layers/common/python/README.md',
  'lambda/price-order/handler.py',
];

/**
 * CodePipeline's glob, written from its documentation independently of the check: `**` any characters, `*` and `?`
 * any within one path segment.
 */
function codePipelineGlob(pattern: string, filePath: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (pattern[i] === '*') source += '[^/]*';
    else if (pattern[i] === '?') source += '[^/]';
    else source += pattern[i].replace(/[.+^$()|]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(filePath);
}

describe('ignoredPaths', () => {
  const accepted = [
    'README.md',
    '*.md',
    'docs/**',
    'docs/**/*.md',
    '.github/**',
    'CHANGELOG.md',
    'test/**',
    'bench/**',
  ];
  const refused = [
    '**/*.md',
    '**',
    '*',
    '*.json',
    'package*.json',
    'cdk.json',
    'lib/**',
    'lib/services/*.ts',
    'pipeline/**',
    'bin/**',
    'buildspecs/**',
    'tools/**',
    'layers/**',
    'lambda/**/*.md',
    '*/README.md',
    'l*/**',
    'l**',
  ];

  test.each(accepted)('accepts %s: it matches no file that defines a deploy', (pattern) => {
    expect(ignoredPathProblem(pattern)).toBeUndefined();
    // Checked against a glob written apart from the check's own.
    expect(DEPLOY_DEFINING_EXAMPLES.filter((file) => codePipelineGlob(pattern, file))).toEqual([]);
  });

  test.each(refused)('refuses %s, naming what it would skip', (pattern) => {
    expect(ignoredPathProblem(pattern)).toMatch(/^can match files that define what is deployed \(.+\)/);
  });

  test('every refused pattern that CodePipeline would match to a deploy-defining example is refused (the check is not narrower than the glob)', () => {
    const candidates = [...refused, ...accepted, '*.yml', 'docs/*', '?dk.json', 'pipeline*', 'tools'];
    for (const pattern of candidates) {
      const skipped = DEPLOY_DEFINING_EXAMPLES.filter((file) => codePipelineGlob(pattern, file));
      if (skipped.length > 0)
        expect({ pattern, problem: ignoredPathProblem(pattern) }).toEqual({ pattern, problem: expect.any(String) });
    }
  });

  test('protects every top-level file and folder the README tells users to guard with CODEOWNERS', () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const sentence = /deployment owners' review \(`CODEOWNERS`\) for (.+?)\.(?: |$)/.exec(readme)![1];
    const named = [...sentence.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(5);
    for (const entry of named) {
      const protectedBy = entry.endsWith('/')
        ? DEPLOY_DEFINING_FOLDERS.includes(entry.slice(0, -1))
        : DEPLOY_DEFINING_FILES.some((file) => codePipelineGlob(entry, file));
      expect({ entry, protectedBy }).toEqual({ entry, protectedBy: true });
    }
  });

  test('the default and every pattern a fix message suggests are accepted', () => {
    const config = baseConfig();
    config.pipeline.source.ignoredPaths = ['lib/**', 7];
    let fixes = '';
    try {
      parseConfig(config, { projectRoot: FIXTURE_ROOT });
    } catch (error) {
      fixes = (error as ConfigError).problems.map((p) => p.fix).join('\n');
    }
    const suggested = [...fixes.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(suggested).toEqual(expect.arrayContaining(SUGGESTED_IGNORED_PATHS));
    for (const pattern of [...suggested, ...DEFAULT_IGNORED_PATHS]) expect(ignoredPathProblem(pattern)).toBeUndefined();
  });
});
