/**
 * The walker of untyped JSON that every part of the configuration's validation uses: it checks one setting at a time
 * and remembers every problem instead of stopping at the first, so {@link parseConfig} reports them all at once.
 */
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { ConfigError, Problem } from './config-error';
import { ARCHITECTURES, Architecture, newestSupportedRuntime, PYTHON_RUNTIMES, runtimeStatus } from './runtimes';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const ACCOUNT = /^\d{12}$/;
const KNOWN_REGIONS = new Set(RegionInfo.regions.map((r) => r.name));
/** An e-mail address, as the notification and alarm settings take them. */
export const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Walks untyped JSON, remembering every problem instead of stopping at the first. */
export class Checker {
  private readonly problems: Problem[] = [];

  /** @param today the day settings that depend on the date (runtimes, deployment windows) are judged on */
  constructor(readonly today: Date) {}

  add(problem: Problem) {
    this.problems.push(problem);
  }

  problem(setting: string, value: unknown, message: string, fix: string) {
    this.problems.push({ setting, value, message, fix });
  }

  count(): number {
    return this.problems.length;
  }

  throwIfAny() {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  /** Reports each key of `o` that is not among `known`: a misspelt setting would otherwise be ignored. */
  knownKeys(o: Record<string, unknown>, at: string, known: readonly string[]): void {
    for (const key of Object.keys(o)) {
      if (known.includes(key)) continue;
      this.problem(
        `${at}.${key}`,
        o[key],
        'is not a setting here',
        `remove it, or use one of ${known.map((k) => `"${k}"`).join(', ')}`,
      );
    }
  }

  object(v: unknown, at: string, fix: string): Record<string, unknown> | undefined {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    this.problem(at, v, v === undefined ? 'is missing' : 'is not an object', fix);
    return undefined;
  }

  nonEmptyString(v: unknown, at: string, what: string): string | undefined {
    if (typeof v === 'string' && v.trim() !== '') return v;
    this.problem(at, v, v === undefined ? 'is missing' : 'must be a non-empty string', `set it to ${what}`);
    return undefined;
  }

  optionalString(v: unknown, at: string, fallback: string, max: number): string {
    if (v === undefined) return fallback;
    if (typeof v === 'string' && v.length <= max) return v;
    this.problem(
      at,
      v,
      `must be a text of at most ${max} characters`,
      'write it as a quoted text of that length, or leave it out for the default',
    );
    return fallback;
  }

  name(v: unknown, at: string, max: number): string | undefined {
    if (typeof v === 'string' && NAME.test(v) && v.length <= max) return v;
    const message =
      v === undefined
        ? 'is missing'
        : typeof v === 'string' && NAME.test(v)
          ? `is longer than ${max} characters`
          : 'is not a valid name';
    this.problem(
      at,
      v,
      message,
      `use lower-case letters, digits and inner hyphens, starting with a letter, at most ${max} characters (e.g. "orders")`,
    );
    return undefined;
  }

  account(v: unknown, at: string): string | undefined {
    return this.matching(
      v,
      at,
      ACCOUNT,
      'is not a 12-digit AWS account id',
      'write the account id as a string of 12 digits, e.g. "123456789012" (keep leading zeros)',
    );
  }

  region(v: unknown, at: string): string | undefined {
    if (typeof v === 'string' && KNOWN_REGIONS.has(v)) return v;
    this.problem(
      at,
      v,
      v === undefined ? 'is missing' : 'is not a known AWS region',
      'use a region code such as "eu-west-1" or "us-east-1"',
    );
    return undefined;
  }

  runtime(v: unknown, at: string): string | undefined {
    const runtime = this.oneOf(v, at, PYTHON_RUNTIMES);
    if (!runtime) return undefined;
    const status = runtimeStatus(runtime, this.today);
    if (status.state === 'deprecated') {
      this.problem(
        at,
        runtime,
        `was deprecated by Lambda on ${status.date}`,
        `move to ${newestSupportedRuntime(this.today)} (in the layers' runtimes and the functions that use them), then run npm run build:layers and the tests`,
      );
      return undefined;
    }
    return runtime;
  }

  architecture(v: unknown, at: string): Architecture | undefined {
    return this.oneOf(v, at, ARCHITECTURES);
  }

  boolean(v: unknown, at: string, fallback: boolean): boolean {
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    this.problem(at, v, 'is not a boolean', 'write true or false, without quotes');
    return fallback;
  }

  integer(v: unknown, at: string, fallback: number, min: number, max: number, unit: string): number | undefined {
    if (v === undefined) return fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    this.problem(
      at,
      v,
      `is not a whole number of ${unit} from ${min} to ${max}`,
      `set a whole number from ${min} to ${max}`,
    );
    return undefined;
  }

  oneOf<T extends string | number>(v: unknown, at: string, allowed: readonly T[]): T | undefined {
    if (allowed.includes(v as T)) return v as T;
    this.problem(
      at,
      v,
      v === undefined ? 'is missing' : 'is not one of the allowed values',
      `use one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
    );
    return undefined;
  }

  matching(v: unknown, at: string, re: RegExp, message: string, fix: string): string | undefined {
    if (typeof v === 'string' && re.test(v)) return v;
    this.problem(at, v, v === undefined ? 'is missing' : message, fix);
    return undefined;
  }

  /** A list whose every item passes `item`; `fallback` when left out (undefined fallback: required). */
  list<T>(
    v: unknown,
    at: string,
    fallback: readonly T[] | undefined,
    item: (v: unknown, at: string) => T | undefined,
  ): T[] {
    if (v === undefined && fallback) return [...fallback];
    if (!Array.isArray(v) || (fallback && v.length === 0)) {
      this.problem(
        at,
        v,
        v === undefined ? 'is missing' : fallback ? 'must be a non-empty list' : 'is not a list',
        'write a JSON list, e.g. ["..."]',
      );
      return [];
    }
    const out: T[] = [];
    v.forEach((x, i) => {
      const ok = item(x, `${at}[${i}]`);
      if (ok !== undefined) out.push(ok);
    });
    if (new Set(out).size !== out.length && fallback) {
      this.problem(at, v, 'lists a value twice', 'list each value once');
    }
    return out;
  }
}
