import type { Report, Table } from './report-model.ts';
import { bug } from '../sim/core/errors.ts';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Prefixes every id in an SVG (and every reference to one), so that several SVGs
 * inlined in one page keep their own clip paths and gradients: Vega numbers them
 * from 1 in each SVG, and in one document the first "clip1" would win.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/<\?xml[^>]*>\s*/, '')
    .replace(/\sid="([^"]+)"/g, ` id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

function tableHtml(table: Table): string {
  const head = table.header.map((h, i) => `<th${i === 0 ? ' class="first"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = table.rows.map((row) => `<tr>${row.map((cell, i) => (i === 0 ? `<th scope="row" class="first">${escapeHtml(cell)}</th>` : `<td>${escapeHtml(cell)}</td>`)).join('')}</tr>`).join('\n');
  const note = table.note === undefined ? '' : `\n<p class="note">${escapeHtml(table.note)}</p>`;
  return `<section class="table" id="${escapeHtml(table.id)}">
<h2>${escapeHtml(table.title)}</h2>
<div class="scroll"><table>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table></div>${note}
</section>`;
}

const STYLE = `
body { font-family: "DejaVu Sans", Verdana, Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #111; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.6rem; }
.subtitle { color: #444; margin-top: 0; }
nav ol { columns: 2; padding-left: 1.4rem; }
figure { margin: 1.5rem 0 2.5rem; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { margin-top: 0.5rem; font-size: 0.95rem; color: #222; }
figcaption .files { color: #555; font-size: 0.85rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.45rem; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th.first { text-align: left; }
thead th { border-bottom: 2px solid #888; white-space: normal; vertical-align: bottom; }
.note { font-size: 0.9rem; color: #333; }
`;

/**
 * The report as one self-contained HTML page: every figure as inline SVG with its
 * caption, then the summary tables. No scripts, no external URLs (the links to each
 * figure's files are relative and optional).
 */
export function reportHtml(report: Report, svgs: ReadonlyMap<string, string>): string {
  const figures = report.figures
    .map((figure, i) => {
      const svg = svgs.get(figure.name);
      if (svg === undefined) bug(`figure ${figure.name}: expected a rendered SVG, got none`);
      const files = ['png', 'svg', 'vl.json'].map((ext) => `<a href="${escapeHtml(figure.name)}.${ext}">${ext === 'vl.json' ? 'Vega-Lite spec' : ext.toUpperCase()}</a>`).join(' · ');
      return `<figure class="figure" id="fig-${escapeHtml(figure.name)}">
<h2>Figure ${i + 1}. ${escapeHtml(figure.title)}</h2>
${scopeSvgIds(svg, `fig${i + 1}`)}
<figcaption>${escapeHtml(figure.caption)} <span class="files">(${files})</span></figcaption>
</figure>`;
    })
    .join('\n');
  const toc = [
    ...report.figures.map((f, i) => `<li><a href="#fig-${escapeHtml(f.name)}">Figure ${i + 1}. ${escapeHtml(f.title)}</a></li>`),
    ...report.tables.map((t) => `<li><a href="#${escapeHtml(t.id)}">${escapeHtml(t.title)}</a></li>`),
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(report.title)}</h1>
<p class="subtitle">${escapeHtml(report.subtitle)}</p>
<p class="subtitle">Source: <code>${escapeHtml(report.source)}</code></p>
</header>
<nav><ol>
${toc}
</ol></nav>
<main>
${figures}
${report.tables.map(tableHtml).join('\n')}
</main>
</body>
</html>
`;
}
