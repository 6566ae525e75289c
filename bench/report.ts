/** The bench's report: the table it prints, from the results it writes. */
import * as os from 'os';
import { Machine, Results, Row } from './rows';

// ---------------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------------

export function machine(): Machine {
  return {
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

export function formatValue(row: Row): string {
  if (row.value === undefined) return '-';
  const digits =
    row.unit === 'x' ? 3 : row.unit === 's' ? (row.value < 1 ? 3 : 1) : Number.isInteger(row.value) ? 0 : 1;
  return `${row.value.toFixed(digits)}${row.unit === 'x' ? 'x' : ` ${row.unit}`}`;
}

export function formatTarget(row: Row): string {
  if (!row.target) return '-';
  return `${row.target.op === '<=' ? '≤' : '<'} ${row.target.limit}${row.unit === 'x' ? 'x' : ` ${row.unit}`}`;
}

export function formatStatus(row: Row): string {
  return row.status === 'info' ? '' : row.status;
}

export function table(results: Results): string {
  const header = ['metric', 'value', 'target', 'ok?'];
  const body = results.rows.map((r) => [r.metric, formatValue(r), formatTarget(r), formatStatus(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const m = results.machine;
  const notes = results.rows.filter((r) => r.note).map((r) => `  ${r.metric}: ${r.note}`);
  return [
    `Benchmark, ${results.date}: ${m.cores} cores, ${m.memoryGiB} GiB, node ${m.node}, ${m.os}; medians of ${results.runs} run(s); ${results.totalSeconds.toFixed(0)} s in all`,
    '',
    line(header),
    rule,
    ...body.map(line),
    ...(notes.length > 0 ? ['', 'Notes:', ...notes] : []),
    '',
  ].join('\n');
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
