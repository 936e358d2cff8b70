/**
 * Regenerates reports/text-metrics.ts: the advance widths of DejaVu Sans and DejaVu
 * Sans Bold for the characters figures use, read from the font files (cmap format 4
 * and hmtx tables). Run after changing the character list or the font:
 *   npx tsx scripts/gen-text-metrics.ts > reports/text-metrics.ts
 */
import { readFileSync } from 'node:fs';

const FONT_DIR = process.argv[2] ?? '/usr/share/fonts/truetype/dejavu';

function widths(file: string, codes: number[]) {
  const b = readFileSync(file);
  const numTables = b.readUInt16BE(4);
  const tables: Record<string, number> = {};
  for (let i = 0; i < numTables; i++) {
    const o = 12 + 16 * i;
    tables[b.toString('latin1', o, o + 4)] = b.readUInt32BE(o + 8);
  }
  const upem = b.readUInt16BE(tables.head + 18);
  const numH = b.readUInt16BE(tables.hhea + 34);
  const cmap = tables.cmap;
  const n = b.readUInt16BE(cmap + 2);
  let sub = -1;
  for (let i = 0; i < n; i++) {
    const pid = b.readUInt16BE(cmap + 4 + 8 * i), eid = b.readUInt16BE(cmap + 6 + 8 * i);
    const off = b.readUInt32BE(cmap + 8 + 8 * i);
    if (pid === 3 && eid === 1 && b.readUInt16BE(cmap + off) === 4) sub = cmap + off;
  }
  const segX2 = b.readUInt16BE(sub + 6);
  const ends = sub + 14, starts = ends + segX2 + 2, deltas = starts + segX2, ranges = deltas + segX2;
  const glyph = (c: number) => {
    for (let s = 0; s < segX2 / 2; s++) {
      const end = b.readUInt16BE(ends + 2 * s);
      if (c > end) continue;
      const start = b.readUInt16BE(starts + 2 * s);
      if (c < start) return 0;
      const delta = b.readInt16BE(deltas + 2 * s);
      const ro = b.readUInt16BE(ranges + 2 * s);
      if (ro === 0) return (c + delta) & 0xffff;
      const g = b.readUInt16BE(ranges + 2 * s + ro + 2 * (c - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  const adv = (g: number) => b.readUInt16BE(tables.hmtx + 4 * Math.min(g, numH - 1));
  return { upem, w: codes.map((c) => adv(glyph(c))) };
}
const codes: number[] = [];
for (let c = 32; c < 127; c++) codes.push(c);
const extra = '×±·–—…’‘“”µ≤≥→←°§¹²³½¼¾éèàüöäçñÉÜÖÄ€£¥©®™•√∞≈≠∑ΔΣαβγδεμπσ\u00a0';
for (const ch of extra) codes.push(ch.codePointAt(0)!);
const chars = String.fromCodePoint(...codes);
const reg = widths(`${FONT_DIR}/DejaVuSans.ttf`, codes).w;
const bold = widths(`${FONT_DIR}/DejaVuSans-Bold.ttf`, codes).w;
const lines: string[] = [];
lines.push(`/**
 * Text widths for chart layout. Vega measures text with a canvas when it has one and
 * otherwise guesses 0.8 em per character, which for DejaVu Sans (about 0.6 em) leaves
 * big gaps around long axis titles and truncates legend titles early. These are the
 * glyph advance widths of DejaVu Sans and DejaVu Sans Bold (units of 1/2048 em), the
 * font the PNGs are drawn with, so layout matches the drawing and is the same on every
 * machine whatever fonts it has. Kerning is ignored (it moves a line by < 1%).
 */

/** The characters measured, in the order of the width tables. */
const CHARS = ${JSON.stringify(chars)};
const REGULAR = [${reg.join(', ')}];
const BOLD = [${bold.join(', ')}];
const UNITS_PER_EM = 2048;
/** For characters not in the tables: about the width of a lowercase letter or digit. */
const FALLBACK = { regular: 1303, bold: 1425 };

const INDEX = new Map<number, number>([...CHARS].map((ch, i) => [ch.codePointAt(0)!, i]));

function isBold(weight: string | number | undefined): boolean {
  if (weight === undefined) return false;
  if (typeof weight === 'number') return weight >= 600;
  return weight === 'bold' || weight === 'bolder' || Number(weight) >= 600;
}

/** Width in px of \`text\` set in DejaVu Sans at \`fontSize\` px. */
export function textWidth(text: string, fontSize: number, fontWeight?: string | number): number {
  const bold = isBold(fontWeight);
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of text) {
    const i = INDEX.get(ch.codePointAt(0)!);
    units += i === undefined ? (bold ? FALLBACK.bold : FALLBACK.regular) : table[i];
  }
  return (units * fontSize) / UNITS_PER_EM;
}
`);
process.stdout.write(lines.join('\n'));
