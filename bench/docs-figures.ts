/**
 * The figures of docs/performance.md, written by `npm run bench -- --write-docs` and never by hand: the section
 * between the markers is the rendering of the results it embeds, with the date and machine they were measured on
 * (test/docs.test.ts renders the embedded results again and compares).
 */
import * as fs from 'fs';
import { formatStatus, formatTarget, formatValue } from './report';
import type { Results } from './rows';

export const FIGURES_BEGIN = '<!-- figures: written by `npm run bench -- --write-docs`; do not edit by hand -->';
export const FIGURES_END = '<!-- end of figures -->';
const EMBEDDED = /^<!-- results (.*) -->$/m;

/** What of the results the docs keep: no samples, which the rows summarise. */
type Figures = Pick<Results, 'date' | 'machine' | 'runs' | 'rows'>;

/** The section's Markdown: when and where, the table, the notes, and the results it was rendered from. */
export function renderFigures(results: Figures): string {
  const m = results.machine;
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const notes = results.rows.filter((r) => r.note).map((r) => `- ${escape(r.metric)}: ${r.note}`);
  const embedded: Figures = { date: results.date, machine: m, runs: results.runs, rows: results.rows };
  return [
    FIGURES_BEGIN,
    // JSON inside an HTML comment: `--` would end it early, so it is written as an escape JSON reads back.
    `<!-- results ${JSON.stringify(embedded).replace(/--/g, '-\\u002d')} -->`,
    '',
    `Measured by \`npm run bench\` on ${results.date.slice(0, 10)}: ${m.cores} cores, ${m.memoryGiB} GiB, Node.js ` +
      `${m.node}, ${m.os}; medians of ${results.runs} run(s).`,
    '',
    '| metric | value | target | ok? |',
    '|---|---|---|---|',
    ...results.rows.map((r) => `| ${escape(r.metric)} | ${formatValue(r)} | ${formatTarget(r)} | ${formatStatus(r)} |`),
    ...(notes.length > 0 ? ['', ...notes] : []),
    FIGURES_END,
  ].join('\n');
}

/** The section of a document, and the results embedded in it (undefined when there is no section). */
export function readFigures(document: string): { section: string; results: Figures } | undefined {
  const begin = document.indexOf(FIGURES_BEGIN);
  const end = document.indexOf(FIGURES_END);
  if (begin < 0 || end < begin) return undefined;
  const section = document.slice(begin, end + FIGURES_END.length);
  const json = EMBEDDED.exec(section)?.[1];
  return json === undefined ? undefined : { section, results: JSON.parse(json) as Figures };
}

/** Replaces the figures section of a document with these results (the document must have the markers). */
export function writeFigures(file: string, results: Figures): void {
  const document = fs.readFileSync(file, 'utf8');
  const begin = document.indexOf(FIGURES_BEGIN);
  const end = document.indexOf(FIGURES_END);
  if (begin < 0 || end < begin) throw new Error(`${file} has no figures section (${FIGURES_BEGIN} ... ${FIGURES_END})`);
  fs.writeFileSync(file, document.slice(0, begin) + renderFigures(results) + document.slice(end + FIGURES_END.length));
}
