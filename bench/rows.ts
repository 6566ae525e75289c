/** What the bench measures: rows with targets, and the results it writes. */

export interface Target {
  readonly op: '<=' | '<';
  readonly limit: number;
}

type Status = 'ok' | 'MISSED' | 'info' | 'skipped' | 'failed';

export interface Row {
  readonly section: string;
  readonly metric: string;
  /** The figure, or undefined when it was not measured. */
  readonly value?: number;
  readonly unit: string;
  readonly target?: Target;
  readonly status: Status;
  /** Why a row is skipped or failed, or anything else worth knowing about it. */
  readonly note?: string;
}

export interface Machine {
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly os: string;
}

export interface Results {
  readonly date: string;
  readonly machine: Machine;
  readonly runs: number;
  readonly totalSeconds: number;
  readonly rows: readonly Row[];
  /** Every timing, in seconds, by what was timed: the medians in `rows` come from these. */
  readonly samples: Record<string, number[]>;
}

/** A measured row, its status decided by its target (no target: informational). */
export function measured(
  section: string,
  metric: string,
  value: number,
  unit: string,
  target?: Target,
  note?: string,
): Row {
  const status: Status = !target ? 'info' : meets(value, target) ? 'ok' : 'MISSED';
  return { section, metric, value, unit, target, status, note };
}

function meets(value: number, { op, limit }: Target): boolean {
  return op === '<=' ? value <= limit : value < limit;
}

export function notMeasured(
  section: string,
  metric: string,
  status: 'skipped' | 'failed',
  note: string,
  target?: Target,
): Row {
  return { section, metric, unit: '', target, status, note };
}
