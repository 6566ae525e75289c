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
  return JSON.parse(fs.readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')).context ?? {};
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
