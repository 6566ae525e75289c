/**
 * The README is the newcomer's path and docs/ holds the reference: every link between them resolves (file and
 * heading), every `npm run` command they give is a script of package.json, and the README stays a path, not a manual.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from '../bin/project';
import { readFigures, renderFigures } from '../bench/docs-figures';

const pages = [
  'README.md',
  ...fs
    .readdirSync(path.join(PROJECT_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const text = (page: string) => fs.readFileSync(path.join(PROJECT_ROOT, page), 'utf8');

/** GitHub's anchor of a heading: lower case, punctuation but hyphens dropped, spaces made hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(page: string): Set<string> {
  const headings = text(page)
    .replace(/```[\s\S]*?```/g, '')
    .split('\n')
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => anchorOf(l.replace(/^#+ /, '')));
  return new Set(headings);
}

/** Each link of a page outside code: its target, as written. */
function links(page: string): string[] {
  const prose = text(page)
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^(https?|mailto):/.test(t));
}

describe('the README and docs/', () => {
  test.each(pages)('%s: every link resolves to a file and, with an anchor, to one of its headings', (page) => {
    const broken: string[] = [];
    for (const link of links(page)) {
      const [file, anchor] = link.split('#');
      const target = file ? path.normalize(path.join(path.dirname(page), file)) : page;
      if (!fs.existsSync(path.join(PROJECT_ROOT, target))) broken.push(`${link}: no file ${target}`);
      else if (anchor !== undefined && target.endsWith('.md') && !anchors(target).has(anchor))
        broken.push(`${link}: ${target} has no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  test.each(pages)('%s: every `npm run <script>` is a script of package.json', (page) => {
    const scripts = Object.keys(JSON.parse(text('package.json')).scripts);
    const used = [...text(page).matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((m) => m[1]);
    expect(used.filter((s) => !scripts.includes(s))).toEqual([]);
  });

  test('the README is a path of about 250 lines, with the reference in docs/', () => {
    expect(text('README.md').split('\n').length).toBeLessThanOrEqual(260);
    const linked = new Set(links('README.md').map((l) => l.split('#')[0]));
    const unlinked = pages.filter((p) => p.startsWith('docs/') && !linked.has(p));
    expect(unlinked).toEqual([]);
  });

  test('a broken link or heading is found', () => {
    expect(anchorOf('Services: routes, schedules, queues and your own resources')).toBe(
      'services-routes-schedules-queues-and-your-own-resources',
    );
    expect(anchors('README.md').has('first-deploy')).toBe(true);
    expect(anchors('README.md').has('no-such-heading')).toBe(false);
  });
});

describe('figures in the documentation', () => {
  const performance = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'performance.md'), 'utf8');

  test('docs/performance.md carries the table npm run bench -- --write-docs renders from the results it embeds', () => {
    const figures = readFigures(performance);
    expect(figures).toBeDefined();
    expect(figures!.section).toBe(renderFigures(figures!.results));
    expect(figures!.section).toContain(`Measured by \`npm run bench\` on ${figures!.results.date.slice(0, 10)}:`);
  });

  test('a hand edit of the table is found', () => {
    const figures = readFigures(performance)!;
    const edited = readFigures(performance.replace(/\| (\d+\.\d) s \|/, '| 1.0 s |'))!;
    expect(edited.section).not.toBe(renderFigures(edited.results));
    expect(figures.section).toBe(renderFigures(figures.results));
  });

  test.each(pages.filter((p) => p !== 'docs/performance.md'))(
    '%s states no measured time or ratio without the date it was measured on (the bench writes the rest)',
    (page) => {
      const text = fs.readFileSync(path.join(PROJECT_ROOT, page), 'utf8');
      // A measurement is a decimal duration or ratio ("97.3 s", "0.44x"); settings are whole numbers ("10 s").
      const undated = text
        .split(/\n\s*\n/)
        .filter((paragraph) => /\b\d+\.\d+ ?(s|x|min)\b/.test(paragraph) && !/\b20\d\d-\d\d-\d\d\b/.test(paragraph))
        .map((paragraph) => paragraph.slice(0, 120));
      expect(undated).toEqual([]);
    },
  );
});
