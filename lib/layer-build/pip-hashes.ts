/**
 * pip's hash-checking mode, as the layer builder meets it. pip turns it on by itself when any line of a requirements
 * file has a `--hash` (or when PIP_REQUIRE_HASHES is set); it then checks every file it installs, dependencies
 * included, against the hashes of its requirement, and installs nothing when one fails. This file turns pip's report
 * of such a failure into one paragraph: the package, the expected and actual hash, and how to regenerate the hashes.
 */

/** A file whose hash is none of those its requirement allows. */
export interface HashMismatch {
  /** The requirement as pip names it, e.g. `orjson==3.10.15` (`unknown package` when pip cannot tell). */
  readonly requirement: string;
  /** The file pip got, e.g. `orjson-3.10.15-cp313-cp313-manylinux_2_17_aarch64.whl`. */
  readonly file?: string;
  /** The line of the requirements file. */
  readonly line?: number;
  /** `sha256:<hex>` each. */
  readonly expected: readonly string[];
  /** `sha256:<hex>`. */
  readonly got: string;
}

/** What went wrong in hash-checking mode, from pip's output. */
export interface HashProblems {
  readonly mismatches: readonly HashMismatch[];
  /** Requirements without a hash, each with the hash pip computed of what it downloaded (`name==1.0 --hash=sha256:...`). */
  readonly missing: readonly string[];
  /** Requirements not pinned with `==`. */
  readonly unpinned: readonly string[];
}

const MISMATCH_HEAD = /THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE/;
const MISSING_HEAD = /Hashes are required in --require-hashes mode, but they are missing from some requirements/;
const UNPINNED_HEAD = /In --require-hashes mode, all requirements must have their versions pinned with ==/;

/** The hash-checking failures pip reported, or undefined when pip's output has none. */
export function parseHashProblems(output: string): HashProblems | undefined {
  const lines = output.split('\n');
  const mismatches: HashMismatch[] = [];
  const missing: string[] = [];
  const unpinned: string[] = [];
  let section: 'mismatch' | 'missing' | 'unpinned' | undefined;
  let current:
    { requirement: string; file?: string; line?: number; expected: string[]; algorithm?: string } | undefined;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (MISMATCH_HEAD.test(line)) section = 'mismatch';
    else if (MISSING_HEAD.test(line)) section = 'missing';
    else if (UNPINNED_HEAD.test(line)) section = 'unpinned';
    else if (/^\S/.test(line))
      section = undefined; // the next ERROR:, WARNING: or anything else ends a section
    else if (section === 'missing' && /^\s{4}\S/.test(line)) missing.push(line.trim());
    else if (section === 'unpinned' && /^\s{4}\S/.test(line)) unpinned.push(requirementOf(line.trim()).requirement);
    else if (section === 'mismatch') {
      // `Expected sha256 <hex>`, then `Expected     or <hex>` for each further allowed hash.
      const expected = /^\s+(?:Expected\s+)?(?:or|(?<=Expected\s+)(\w+))\s+([0-9a-f]+)\s*$/i.exec(line);
      const got = /^\s+Got\s+([0-9a-f]+)\s*$/i.exec(line);
      if (expected && current) {
        current.algorithm = expected[1] ?? current.algorithm;
        current.expected.push(`${current.algorithm ?? 'sha256'}:${expected[2]}`);
      } else if (got && current) {
        const { requirement, file, line: at, expected: allowed, algorithm } = current;
        mismatches.push({
          requirement,
          ...(file === undefined ? {} : { file }),
          ...(at === undefined ? {} : { line: at }),
          expected: allowed,
          got: `${algorithm ?? 'sha256'}:${got[1]}`,
        });
        current = { ...current, expected: [] };
      } else if (/^\s{4}\S.*:\s*$/.test(line)) {
        current = { ...requirementOf(line.trim().replace(/:$/, '')), expected: [] };
      }
    }
  }
  if (mismatches.length === 0 && missing.length === 0 && unpinned.length === 0) return undefined;
  return { mismatches, missing, unpinned };
}

/**
 * `orjson==3.10.15 from https://.../orjson-3.10.15-...whl (from -r requirements.txt (line 2))` -> the requirement,
 * the file's name (never the rest of the URL, which may carry credentials) and the line.
 */
function requirementOf(text: string): { requirement: string; file?: string; line?: number } {
  const line = /\(line (\d+)\)/.exec(text)?.[1];
  const from = /^(.*?) from (\S+)/.exec(text);
  const requirement = (from ? from[1] : text.replace(/\s*\(from .*$/, '')).trim();
  const file = from ? decodeURIComponent(from[2].split(/[?#]/)[0].split('/').pop() ?? '') : undefined;
  return { requirement, file: file || undefined, line: line === undefined ? undefined : Number(line) };
}

/** What the builder knows of the target, to show the command that regenerates hashes for it. */
export interface HashFixTarget {
  /** e.g. `3.13`. */
  readonly pythonVersion: string;
  /** pip's `--platform` tags of the layer's target; omitted for a container build (pip there is Lambda's own). */
  readonly platforms?: readonly string[];
}

/** One paragraph (no layer prefix) for the hash-checking failures pip reported. */
export function explainHashProblems(problems: HashProblems, target: HashFixTarget): string {
  const sentences: string[] = [];
  const packages: string[] = [];
  if (problems.mismatches.length > 0) {
    const each = problems.mismatches.map((m) => {
      packages.push(m.requirement);
      const where = m.line === undefined ? '' : ` (line ${m.line})`;
      return `${m.requirement}${where} expects ${m.expected.join(' or ')}, but ${m.file ?? 'the file pip got'} has ${m.got}`;
    });
    sentences.push(
      `requirements.txt's hashes do not match what pip downloaded, so nothing was installed: ${each.join('; ')}. ` +
        'Either the hashes are stale (the version changed, or the index serves another file for this runtime and architecture) ' +
        'or the file is not the one that was reviewed',
    );
  }
  if (problems.missing.length > 0) {
    const names = problems.missing.map((m) => m.replace(/\s+--hash=.*$/, ''));
    packages.push(...names);
    sentences.push(
      `requirements.txt gives no hash for ${names.join(', ')}: once one line has a --hash (or PIP_REQUIRE_HASHES is set), ` +
        'pip checks every package, dependencies included, and installs none unless all have hashes ' +
        `(pip computed, from what it downloaded: ${problems.missing.join('; ')})`,
    );
  }
  if (problems.unpinned.length > 0) {
    packages.push(...problems.unpinned);
    sentences.push(
      `requirements.txt does not pin ${problems.unpinned.join(', ')} with ==, which pip needs for every package once hashes are checked`,
    );
  }
  const first = packages.find((p) => /==/.test(p)) ?? '<package>==<version>';
  return `${sentences.join('. ')}. Fix: ${regenerateHint(first, target)}`;
}

/** How to produce the hashes again from the index you trust, for the files this layer installs. */
export function regenerateHint(requirement: string, target: HashFixTarget): string {
  const download = target.platforms
    ? `pip download ${requirement} --no-deps --only-binary=:all: ${target.platforms.map((p) => `--platform ${p}`).join(' ')} ` +
      `--implementation cp --python-version ${target.pythonVersion} -d wheels`
    : `pip download ${requirement} --no-deps -d wheels (inside the build image)`;
  return (
    'check where the files come from (PIP_INDEX_URL, PIP_FIND_LINKS); if the change is expected, regenerate the hashes, ' +
    'dependencies included, with "pip-compile --generate-hashes" (it hashes every file of each release), or ' +
    `"${download}" then "pip hash wheels/*", and put every hash on its requirement's line as --hash=sha256:<hex>.`
  );
}
