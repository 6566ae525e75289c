#!/usr/bin/env node
/**
 * Starts a TypeScript entry point of this project fast: `node bin/launch.cjs bin/app.ts` (cdk.json's "app").
 *
 * It does what `node -r ts-node/register/transpile-only` does (TypeScript compiled to JavaScript file by file, no
 * type check: `npm run build` and `npm test` check types), with two differences measured on a 2-core machine
 * (`npm run bench`):
 * - The compiled JavaScript is kept in node_modules/.cache/launch, named by a hash of the source, its path in the
 *   project, the compiler's version and tsconfig.json, so the TypeScript compiler (about a quarter of a second to
 *   load) is only loaded for a file that changed. A file's module keeps its own path: `__dirname`, stack traces
 *   and `require` are the source's.
 * - V8 compiles WebAssembly with its baseline compiler only (`--liftoff-only`). aws-cdk-lib validates every template
 *   with a 9 MB WebAssembly engine at synth; left to its defaults, V8 also recompiles that engine with its
 *   optimising compiler on the second core and waits for it before exiting, which costs more than it saves in a
 *   process that validates a few templates and exits.
 */
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const PROJECT_ROOT = path.resolve(__dirname, '..');
const CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'launch');
const TSCONFIG = path.join(PROJECT_ROOT, 'tsconfig.json');

let typescript;
let compilerOptions;
let cacheSalt;

/**
 * What the compiled output depends on besides the source: the compiler's version, tsconfig.json, and this file
 * (its overrides of the compiler options). tsconfig.json has no `extends`; one would have to be added here.
 */
function salt() {
  if (cacheSalt === undefined) {
    const version = (file) => `${JSON.parse(fs.readFileSync(file, 'utf8')).version}`;
    const tsPackage = require.resolve('typescript/package.json', { paths: [PROJECT_ROOT] });
    const versions = [version(tsPackage)];
    // The package `typescript` is @typescript/typescript6, which wraps the compiler of its dependency: both count.
    try {
      versions.push(version(require.resolve('@typescript/old/package.json', { paths: [path.dirname(tsPackage)] })));
    } catch {
      // A plain TypeScript package is the compiler itself.
    }
    const config = fs.readFileSync(TSCONFIG, 'utf8');
    cacheSalt = `${versions.join('+')}\0${config}\0${fs.readFileSync(__filename, 'utf8')}\0`;
  }
  return cacheSalt;
}

function compile(source, filename) {
  if (!typescript) {
    typescript = require(require.resolve('typescript', { paths: [PROJECT_ROOT] }));
    const parsed = typescript.getParsedCommandLineOfConfigFile(
      TSCONFIG,
      {},
      {
        ...typescript.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(typescript.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
        },
      },
    );
    compilerOptions = {
      ...parsed.options,
      noEmit: false,
      declaration: false,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: true,
    };
  }
  const result = typescript.transpileModule(source, { compilerOptions, fileName: filename, reportDiagnostics: true });
  const errors = (result.diagnostics ?? []).filter((d) => d.category === typescript.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
    const error = new SyntaxError(
      `TypeScript cannot compile ${filename}:\n${typescript.formatDiagnostics(errors, host)}`,
    );
    error.stack = error.message; // the launcher's own frames say nothing about the user's code
    throw error;
  }
  return result.outputText;
}

function loadTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  // The file's place in the project, not on disk: the compiler's output does not depend on the folder, so a copy of
  // the project (the tests run the tools in copies whose node_modules is a link to this one's) finds it compiled.
  const place = path.relative(PROJECT_ROOT, filename).split(path.sep).join('/');
  const key = crypto.createHash('sha256').update(salt()).update(place).update('\0').update(source).digest('hex');
  const cached = path.join(CACHE_DIR, `${key}.js`);
  let output;
  try {
    output = fs.readFileSync(cached, 'utf8');
  } catch {
    output = compile(source, filename);
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      const temporary = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, output);
      fs.renameSync(temporary, cached);
    } catch {
      // A read-only checkout still runs; it only compiles again next time.
    }
  }
  module._compile(output, filename);
}

require.extensions['.ts'] = loadTypeScript;
// Stack traces name the TypeScript source's lines, as they do under ts-node (the compiled files carry their maps).
process.setSourceMapsEnabled(true);

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node bin/launch.cjs <entry.ts> [args...]\n');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...args];
// Loaded as the main module, as `node entry.js` would: `require.main === module` holds in the entry point.
require('module')._load(path.resolve(entry), null, true);
