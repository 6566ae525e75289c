/**
 * The doctor's check that the app builds and synthesizes as `cdk synth` does, cdk-nag included. The app is built by
 * the composition (bin/main.ts's `createApp`), which `bin/doctor.ts` passes in: only `bin/` reads `cdk.json`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Token } from 'aws-cdk-lib';
import { CDK_APP_MODE_CONTEXT, CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { ConfigError } from '../config/config-error';
import { Finding, problemFinding } from './finding';

/** A stack of the built app: its name and where it deploys. */
export interface AppStack {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
}

/** What {@link checkSynthWith} found, and the app's stacks when the app could be built. */
export interface SynthCheck {
  readonly findings: Finding[];
  /** Undefined when the app could not be built. */
  readonly stacks?: readonly AppStack[];
}

/** What {@link checkSynthWith} builds the app with. */
export interface SynthInputs {
  /** The context `cdk synth` passes the app (the project's `cdk.json`'s). */
  readonly context: Record<string, unknown>;
  /** Builds the app, as `cdk synth` runs it (`createApp` of bin/main.ts). */
  readonly build: (options: {
    readonly context: Record<string, unknown>;
    readonly projectRoot: string;
    readonly outdir: string;
  }) => { readonly app: App };
}

/**
 * The acknowledgement id in an unbuilt layer's warning (lib/constructs/python-layer.ts): `checkLayers`
 * (layers-check.ts) reports that one, with the command that builds the layer.
 */
const LAYER_NOT_BUILT_ACK = '[ack: python-layers:layer-not-built]';

/**
 * Builds and synthesizes the app as `cdk synth` does (`createApp` with the project's `cdk.json` context, then
 * `app.synth()` into a temporary folder, removed afterwards), so a configuration that fails synth never passes
 * here: each problem of a {@link ConfigError} fails, as does any other failure (a cdk-nag finding makes `synth()`
 * throw its report) and every error annotation (which fails `cdk synth`). Warnings are reported once each, except
 * an unbuilt layer's (see `checkLayers`). The validation report is carried in the error (the app mode
 * `inmemory`) instead of printed: the outcome of the validation is the same.
 */
export function checkSynthWith(projectRoot: string, inputs: SynthInputs): SynthCheck {
  const check = 'synth';
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-synth-'));
  try {
    const context = { ...inputs.context, [CDK_APP_MODE_CONTEXT]: 'inmemory' };
    let app: App;
    try {
      app = inputs.build({ context, projectRoot, outdir }).app;
    } catch (error) {
      return { findings: synthFailure(check, error) };
    }
    const stacks = appStacks(app);
    let assembly: CloudAssembly;
    try {
      assembly = withoutConsoleErrors(() => app.synth());
    } catch (error) {
      return { findings: synthFailure(check, error), stacks };
    }
    const messages = (level: string) => [
      ...new Set(
        assembly.stacksRecursively
          .flatMap((s) => s.messages.filter((m) => m.level === level))
          .map((m) => String(m.entry.data)),
      ),
    ];
    const errors = messages('error');
    const warnings = messages('warning').filter((m) => !m.includes(LAYER_NOT_BUILT_ACK));
    const findings: Finding[] = [
      ...errors.map((message): Finding => ({
        level: 'fail',
        check,
        message,
        fix: 'npx cdk synth shows the construct it is on; change what it names',
      })),
      ...warnings.map((message): Finding => ({
        level: 'warn',
        check,
        message,
        fix: 'npx cdk synth shows the construct it is on; change what it names, or acknowledge it',
      })),
    ];
    if (errors.length === 0) {
      findings.unshift({
        level: 'ok',
        check,
        message: `${stacks.length} stacks synthesized as npx cdk synth does, cdk-nag included`,
      });
    }
    return { findings, stacks };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** A failed synth as findings: each problem of a {@link ConfigError}, or the error's message. */
function synthFailure(check: string, error: unknown): Finding[] {
  if (error instanceof ConfigError) return error.problems.map((p) => problemFinding(check, p));
  return [
    {
      level: 'fail',
      check,
      // Not `instanceof Error`: errors of Node's own modules may come from another realm (jest's sandbox).
      message: `npx cdk synth fails: ${String((error as { message?: unknown })?.message ?? error)}`.trim(),
      fix:
        'fix what it names (npx cdk synth shows where); for a cdk-nag finding, apply its suggested fix (the usual ' +
        'ones are in docs/services.md), or acknowledge that one finding id with a reason on the narrowest construct ' +
        '(lib/policy/nag-acknowledgements.ts)',
    },
  ];
}

/** Runs `fn` with console.error silenced: synth prints its validation report there, which doctor reports itself. */
function withoutConsoleErrors<T>(fn: () => T): T {
  const original = console.error;
  console.error = () => undefined;
  try {
    return fn();
  } finally {
    console.error = original;
  }
}

/** Every stack of a built app (stages included, nested stacks not): the stacks of its assembly. */
export function appStacks(root: IConstruct): AppStack[] {
  return root.node
    .findAll()
    .filter((c): c is Stack => Stack.isStack(c) && !c.nested)
    .filter((s) => ![s.stackName, s.account, s.region].some((v) => Token.isUnresolved(v)))
    .map((s) => ({ stackName: s.stackName, account: s.account, region: s.region }));
}
