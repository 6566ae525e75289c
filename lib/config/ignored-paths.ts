/**
 * `config.pipeline.source.ignoredPaths`: the files whose changes alone do not run the pipeline (the trigger's
 * `filePathsExcludes`). A pattern is accepted only when no file that defines a deploy can match it.
 *
 * CodePipeline matches these globs against each changed file's path: `*` and `?` stay within one folder name, `**`
 * crosses folders. So `*.md` matches only Markdown files at the top of the repository, and `**` anywhere in a pattern
 * can reach into every folder.
 */
import type { Checker } from './checker';

/** Pushes that change only documentation do not run the pipeline. */
export const DEFAULT_IGNORED_PATHS = ['README.md', 'docs/**'];

/**
 * The top-level files and folders whose changes change what is deployed: the configuration and the packages (`cdk
 * synth`'s input and its tools), the app's and the pipeline's code (service modules create tables), the buildspecs,
 * the tools the pipeline's steps run, and what is packaged into layers and functions.
 */
export const DEPLOY_DEFINING_FILES = ['cdk.json', 'package.json', 'package-lock.json', 'tsconfig.json', '.npmrc'];
export const DEPLOY_DEFINING_FOLDERS = ['bin', 'lib', 'pipeline', 'buildspecs', 'tools', 'layers', 'lambda'];

/** CodePipeline takes at most this many file path patterns in a trigger's push filter. */
const MAX_TRIGGER_PATTERNS = 8;

/** Patterns the fix messages suggest: each is accepted by {@link parseIgnoredPaths} (a test holds them to it). */
export const SUGGESTED_IGNORED_PATHS = ['*.md', 'docs/**', '.github/**'];

const SETTING = 'config.pipeline.source.ignoredPaths';
const SUGGESTION = `ignore only documentation and files outside ${DEPLOY_DEFINING_FOLDERS.map((f) => `${f}/`).join(', ')}: e.g. ${SUGGESTED_IGNORED_PATHS.map((p) => `"${p}"`).join(', ')}`;

export function parseIgnoredPaths(c: Checker, raw: unknown): string[] {
  if (raw === undefined) return [...DEFAULT_IGNORED_PATHS];
  if (!Array.isArray(raw)) {
    c.problem(
      SETTING,
      raw,
      'is not a list',
      `write a list of glob patterns (${SUGGESTION}), or [] to run on every push`,
    );
    return [];
  }
  if (raw.length > MAX_TRIGGER_PATTERNS) {
    c.problem(
      SETTING,
      raw,
      `lists ${raw.length} patterns, more than the ${MAX_TRIGGER_PATTERNS} a CodePipeline trigger takes`,
      `merge them into at most ${MAX_TRIGGER_PATTERNS} glob patterns (e.g. "docs/**" for a whole folder)`,
    );
  }
  raw.forEach((pattern, i) => {
    const problem = ignoredPathProblem(pattern);
    if (problem) c.problem(`${SETTING}[${i}]`, pattern, problem, SUGGESTION);
  });
  return raw.filter((p): p is string => typeof p === 'string');
}

/** Why a pattern may not be ignored, or undefined when it is safe. */
export function ignoredPathProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string' || pattern.trim() === '' || pattern.startsWith('/') || pattern.startsWith('./')) {
    return 'is not a glob pattern relative to the repository root';
  }
  if (/[[\]{}!\\]/.test(pattern)) {
    return 'uses glob syntax this check cannot prove safe (character classes, braces, negation, escapes)';
  }
  const [first, ...rest] = pattern.split('/');
  const files = DEPLOY_DEFINING_FILES.filter((f) => rest.length === 0 && globMatches(first, f));
  const reachesEverywhere = first === '**' || (rest.length > 0 && first.includes('**'));
  const folders = DEPLOY_DEFINING_FOLDERS.filter(
    (f) =>
      reachesEverywhere ||
      (rest.length > 0 && globMatches(first, f)) ||
      (first.includes('**') && globMatches(first, f)),
  );
  const matched = [...files, ...folders.map((f) => `${f}/`)];
  if (matched.length === 0) return undefined;
  return `can match files that define what is deployed (${matched.join(', ')}): a push changing them must run the pipeline`;
}

/** Whether a glob over one folder name (`*` and `?` within it, `**` as `*`) matches a name. */
function globMatches(glob: string, name: string): boolean {
  const source = glob
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^$()|]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(name);
}
