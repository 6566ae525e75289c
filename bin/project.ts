/**
 * The project's configuration for the command-line tools (layer builder, local invoke, Python tests): the same
 * `config` context of `cdk.json` that `cdk synth` reads, through the same validation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AppConfig, CONFIG_CONTEXT_KEY, parseConfig } from '../lib/config/app-config';
import { ConfigError } from '../lib/config/config-error';

/** The project's root folder: every path is derived from it, never from the working directory. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The `context` of `<projectRoot>/cdk.json`: the configuration and the feature flags, as `cdk synth` passes them. */
export function cdkJsonContext(projectRoot: string = PROJECT_ROOT): Record<string, unknown> {
  const file = path.join(projectRoot, 'cdk.json');
  const json = readJsonFile(file) as { context?: Record<string, unknown> } | null;
  return json?.context ?? {};
}

/**
 * Reads a JSON file; one that is not valid JSON is a {@link ToolError} naming the file, the line and the column, as
 * `cdk synth` does, not a stack trace.
 */
export function readJsonFile(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const shown = path.relative(process.cwd(), file) || file;
    throw new ToolError(`${shown}${jsonErrorPlace(text, error.message)} is not valid JSON: ${jsonErrorReason(error.message)}.
Fix: correct it there (a trailing comma, a missing quote or brace are the usual causes), then run the command again.`);
  }
}

/** `:<line>:<column>` of a JSON syntax error, from the position Node.js reports, or '' when it reports none. */
function jsonErrorPlace(text: string, message: string): string {
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn) return `:${lineColumn[1]}:${lineColumn[2]}`;
  const position = /at position (\d+)/.exec(message);
  if (position) {
    const before = text.slice(0, Number(position[1]));
    const lines = before.split('\n');
    return `:${lines.length}:${lines[lines.length - 1].length + 1}`;
  }
  if (/Unexpected end of JSON input/.test(message)) {
    const lines = text.split('\n');
    return `:${lines.length}:${lines[lines.length - 1].length + 1}`;
  }
  return '';
}

/** Node.js's reason, without the position it is now given as a line and a column. */
function jsonErrorReason(message: string): string {
  return message.replace(/ in JSON at position \d+( \(line \d+ column \d+\))?/, '').replace(/^JSON\.parse: /, '');
}

/** Reads and validates the configuration in `<projectRoot>/cdk.json`. */
export function loadProjectConfig(projectRoot: string = PROJECT_ROOT): AppConfig {
  return parseConfig(cdkJsonContext(projectRoot)[CONFIG_CONTEXT_KEY], { projectRoot });
}

/**
 * Runs a command-line tool: a user's mistake (a {@link ConfigError}, a {@link UsageError}, or a {@link ToolError}) is
 * printed as a message with exit code 1 (2 for usage), never a stack trace.
 */
export function runTool(main: () => number | Promise<number>): void {
  Promise.resolve()
    .then(main)
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      if (error instanceof ConfigError || error instanceof UsageError || error instanceof ToolError) {
        process.stderr.write(`\n${error.message}\n\n`);
        process.exitCode = error instanceof UsageError ? 2 : 1;
        return;
      }
      throw error;
    });
}

/** A command-line tool was called with wrong arguments. */
export class UsageError extends Error {}

/** A command-line tool cannot do what it was asked: the message says why and what to do. */
export class ToolError extends Error {}
