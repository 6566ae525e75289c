/**
 * The dependency audits of `npm run audit`: npm's own audit of every Node.js package in the lockfile (development
 * packages included: they run in the pipeline's Synth step, with its credentials), and pip-audit of every Python
 * package the built layers ship. This file reads what the tools report, applies the reviewed exceptions of
 * `audit-exceptions.json`, and says what fails and how to fix it; `bin/audit.ts` runs the tools.
 */

/** Severities npm reports, lowest first. */
export const NPM_SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
export type NpmSeverity = (typeof NPM_SEVERITIES)[number];

/** The lowest npm severity that fails the audit. pip-audit reports no severity: any Python finding fails. */
export const NPM_FAILING_SEVERITY: NpmSeverity = 'high';

/** The pip-audit the pipeline installs (from the index pip is configured with). */
export const PIP_AUDIT_VERSION = '2.10.1';

/** The file of reviewed exceptions, at the project's root. */
export const AUDIT_EXCEPTIONS_FILE = 'audit-exceptions.json';

/** The longest an exception may run: a finding is accepted for a while, never for good. */
export const MAX_EXCEPTION_DAYS = 90;

/** One finding: an advisory against a package at a version. */
export interface Finding {
  readonly ecosystem: 'npm' | 'python';
  readonly package: string;
  /** The installed version (Python), or the vulnerable range (npm). */
  readonly version: string;
  /** The advisory's id (GHSA-..., PYSEC-...), first, and its aliases (CVE-...). */
  readonly ids: readonly string[];
  readonly title?: string;
  readonly url?: string;
  readonly severity?: string;
  /** What fixes it, in words. */
  readonly fix: string;
  /** Where it comes from: the layers that ship it, or the npm packages that pull it in. */
  readonly where?: string;
}

/** A reviewed, temporary acceptance of one advisory. */
export interface AuditException {
  readonly id: string;
  readonly reason: string;
  /** YYYY-MM-DD: the last day the exception holds. */
  readonly expires: string;
}

/** What `npm audit --json` (report version 2) says, as far as the audit needs it. */
interface NpmAuditReport {
  readonly vulnerabilities?: Record<string, NpmVulnerability>;
  readonly error?: { readonly code?: string; readonly summary?: string; readonly detail?: string };
  readonly message?: string;
}
interface NpmVulnerability {
  readonly name: string;
  readonly severity: NpmSeverity;
  readonly range?: string;
  readonly via: readonly (string | NpmAdvisory)[];
  readonly effects?: readonly string[];
  readonly fixAvailable?:
    boolean | { readonly name: string; readonly version: string; readonly isSemVerMajor?: boolean };
}
interface NpmAdvisory {
  readonly source?: number;
  readonly name: string;
  readonly title?: string;
  readonly url?: string;
  readonly severity: NpmSeverity;
  readonly range?: string;
}

/** A tool could not say whether there are findings (no network, no advisory service): not the same as none. */
export class AuditUnavailable extends Error {}

/** The findings at or above {@link NPM_FAILING_SEVERITY} in `npm audit --json`'s output. */
export function npmFindings(json: string): Finding[] {
  let report: NpmAuditReport;
  try {
    report = JSON.parse(json);
  } catch {
    throw new AuditUnavailable(`npm audit printed no report: ${firstLine(json) || 'nothing'}`);
  }
  if (!report.vulnerabilities) {
    const reason = report.error?.summary || report.message || report.error?.code || 'no report';
    throw new AuditUnavailable(`npm audit could not get the advisories from npm's registry: ${firstLine(reason)}`);
  }
  const failing = (s: NpmSeverity) => NPM_SEVERITIES.indexOf(s) >= NPM_SEVERITIES.indexOf(NPM_FAILING_SEVERITY);
  const findings: Finding[] = [];
  for (const vulnerability of Object.values(report.vulnerabilities)) {
    for (const advisory of vulnerability.via) {
      // A string names another vulnerable package: its own entry reports the advisory.
      if (typeof advisory === 'string' || !failing(advisory.severity)) continue;
      const ghsa = /GHSA(-[0-9a-z]{4}){3}/i.exec(advisory.url ?? '')?.[0];
      findings.push({
        ecosystem: 'npm',
        package: advisory.name,
        version: advisory.range ?? vulnerability.range ?? '*',
        ids: ghsa ? [ghsa] : advisory.source !== undefined ? [String(advisory.source)] : [],
        title: advisory.title,
        url: advisory.url,
        severity: advisory.severity,
        fix: npmFix(vulnerability),
        where: vulnerability.effects?.length ? `pulled in by ${vulnerability.effects.join(', ')}` : undefined,
      });
    }
  }
  return uniqueFindings(findings);
}

function npmFix(vulnerability: NpmVulnerability): string {
  const fix = vulnerability.fixAvailable;
  if (fix === true) return '`npm audit fix` updates the lockfile within the declared ranges';
  if (fix && typeof fix === 'object') {
    return `npm install ${fix.name}@${fix.version}${fix.isSemVerMajor ? ' (a major version: check its changes)' : ''}`;
  }
  return 'no fixed version is published yet: drop or replace the package, or accept the advisory for a while';
}

/** What `pip-audit --format json` says. */
interface PipAuditReport {
  readonly dependencies?: readonly {
    readonly name: string;
    readonly version?: string;
    readonly skip_reason?: string;
    readonly vulns?: readonly {
      readonly id: string;
      readonly fix_versions?: readonly string[];
      readonly aliases?: readonly string[];
    }[];
  }[];
}

/**
 * The findings in pip-audit's JSON report; `layersOf` says which layers ship a package (by normalized name). A
 * package pip-audit skipped is an error: what was not audited passes nothing.
 */
export function pipAuditFindings(json: string, layersOf: (name: string) => readonly string[]): Finding[] {
  let report: PipAuditReport;
  try {
    report = JSON.parse(json);
  } catch {
    throw new AuditUnavailable(`pip-audit printed no report: ${firstLine(json) || 'nothing'}`);
  }
  const dependencies: NonNullable<PipAuditReport['dependencies']> = report.dependencies ?? [];
  if (!Array.isArray(report.dependencies)) throw new AuditUnavailable('pip-audit printed no list of dependencies');
  const skipped = dependencies.filter((d) => d.skip_reason);
  if (skipped.length > 0) {
    throw new AuditUnavailable(
      `pip-audit could not audit ${skipped.map((d) => `${d.name} (${d.skip_reason})`).join(', ')}`,
    );
  }
  return dependencies.flatMap((dependency) =>
    (dependency.vulns ?? []).map((vuln) => {
      const layers = layersOf(normalizeName(dependency.name));
      const fixed = vuln.fix_versions ?? [];
      return {
        ecosystem: 'python' as const,
        package: dependency.name,
        version: dependency.version ?? '?',
        ids: [vuln.id, ...(vuln.aliases ?? []).filter((a) => a !== vuln.id)],
        fix:
          fixed.length > 0
            ? `pin ${dependency.name}>=${fixed[0]} in ${layers.map((l) => `layers/${l}/requirements.txt`).join(', ') || 'the requirements'} ` +
              '(or upgrade the package that requires it), then npm run build:layers'
            : 'no fixed version is published yet: drop or replace the package, or accept the advisory for a while',
        where: layers.length > 0 ? `shipped in layer${layers.length > 1 ? 's' : ''} ${layers.join(', ')}` : undefined,
      };
    }),
  );
}

/** PEP 503: names compare lower-case, with runs of `-`, `_` and `.` as one `-`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * Reads `audit-exceptions.json`: `{ "exceptions": [{ "id", "reason", "expires" }] }`. Every problem is named at
 * once, with the fix; an error, never a silently ignored entry.
 */
export function parseAuditExceptions(text: string, today: Date): AuditException[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new AuditExceptionsError([`is not JSON (${(error as Error).message})`]);
  }
  const list = (data as { exceptions?: unknown })?.exceptions;
  if (!Array.isArray(list)) {
    throw new AuditExceptionsError([
      'has no "exceptions" list. Fix: write { "exceptions": [{ "id": "GHSA-...", "reason": "...", "expires": "YYYY-MM-DD" }] }',
    ]);
  }
  const problems: string[] = [];
  const latest = new Date(today.getTime() + MAX_EXCEPTION_DAYS * 86_400_000);
  list.forEach((raw: unknown, i: number) => {
    const entry = raw as Partial<Record<keyof AuditException, unknown>> | null;
    const at = `exceptions[${i}]`;
    if (typeof entry?.id !== 'string' || !/^[A-Za-z]+-[\w-]+$|^\d+$/.test(entry.id)) {
      problems.push(
        `${at}.id ${JSON.stringify(entry?.id)} is no advisory id. Fix: the id the audit printed, e.g. "GHSA-xxxx-xxxx-xxxx" or "PYSEC-2024-1"`,
      );
    }
    if (typeof entry?.reason !== 'string' || entry.reason.trim().length < 10) {
      problems.push(
        `${at}.reason ${JSON.stringify(entry?.reason)} says too little. Fix: why the finding does not apply, or what is being done about it`,
      );
    }
    const expires =
      typeof entry?.expires === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(entry.expires)
        ? new Date(`${entry.expires}T23:59:59Z`)
        : undefined;
    if (!expires || Number.isNaN(expires.getTime())) {
      problems.push(
        `${at}.expires ${JSON.stringify(entry?.expires)} is no date. Fix: the last day it holds, YYYY-MM-DD`,
      );
    } else if (expires > latest) {
      problems.push(
        `${at}.expires ${String(entry?.expires)} is more than ${MAX_EXCEPTION_DAYS} days away. Fix: accept a finding for a while, then review it again`,
      );
    }
  });
  if (problems.length > 0) throw new AuditExceptionsError(problems);
  return list as AuditException[];
}

/** `audit-exceptions.json` is wrong: every problem, each with its fix. */
export class AuditExceptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`${AUDIT_EXCEPTIONS_FILE} ${problems.join(`; ${AUDIT_EXCEPTIONS_FILE} `)}.`);
  }
}

/** The findings split into those that fail and those a live exception accepts; expired exceptions are named. */
export function applyExceptions(
  findings: readonly Finding[],
  exceptions: readonly AuditException[],
  today: Date,
): { failing: Finding[]; accepted: { finding: Finding; exception: AuditException }[]; expired: AuditException[] } {
  const live = exceptions.filter((e) => new Date(`${e.expires}T23:59:59Z`) >= today);
  const expired = exceptions.filter((e) => !live.includes(e));
  const failing: Finding[] = [];
  const accepted: { finding: Finding; exception: AuditException }[] = [];
  for (const finding of findings) {
    const ids = finding.ids.map((id) => id.toUpperCase());
    const exception = live.find((e) => ids.includes(e.id.toUpperCase()));
    if (exception) accepted.push({ finding, exception });
    else failing.push(finding);
  }
  return { failing, accepted, expired };
}

/** One paragraph for a finding that fails the audit: the package, the advisory, the fix. */
export function describeFinding(finding: Finding): string {
  const id = finding.ids[0] ?? 'an advisory';
  const aliases = finding.ids.slice(1);
  const kind = finding.ecosystem === 'npm' ? 'npm package' : 'Python package';
  return (
    `${kind} ${finding.package} ${finding.version}${finding.where ? ` (${finding.where})` : ''}: ` +
    `${finding.severity ? `${finding.severity} ` : ''}${id}${aliases.length ? ` (${aliases.join(', ')})` : ''}` +
    `${finding.title ? ` "${finding.title}"` : ''}${finding.url ? ` ${finding.url}` : ''}. ` +
    `Fix: ${finding.fix}; or, if it does not apply, accept ${id} in ${AUDIT_EXCEPTIONS_FILE} with a reason and an expiry date, in a reviewed change.`
  );
}

function uniqueFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.package}\0${f.ids[0] ?? f.title}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 300) ?? '';
}
