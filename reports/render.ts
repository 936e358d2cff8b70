import { existsSync } from 'node:fs';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { textWidth } from './text-metrics.ts';

/** PNGs are drawn at twice the SVG's size (sharp in print and on high-density screens). */
export const PNG_SCALE = 2;

export interface RenderedFigure {
  readonly svg: string;
  readonly png: Uint8Array;
  /** The SVG's size in CSS pixels; the PNG is PNG_SCALE times it. */
  readonly width: number;
  readonly height: number;
}

const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/share/fonts/TTF', '/usr/local/share/fonts'];
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'];

let fonts: ResvgRenderOptions['font'] | undefined;

/** Where DejaVu Sans was found, or undefined (the PNGs then use whatever sans-serif the system has). */
export function dejaVuSans(): string | undefined {
  return FONT_DIRS.find((dir) => existsSync(`${dir}/${FONT_FILES[0]}`));
}

/**
 * resvg draws text only with fonts it is given: DejaVu Sans's files when they are
 * where Debian puts them (fast, and the same on every machine), else the system's.
 */
function fontOptions(): ResvgRenderOptions['font'] {
  if (fonts !== undefined) return fonts;
  const dir = dejaVuSans();
  fonts =
    dir !== undefined
      ? { loadSystemFonts: false, fontFiles: FONT_FILES.map((f) => `${dir}/${f}`).filter((f) => existsSync(f)), defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' }
      : { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' };
  return fonts;
}

interface TextItem {
  readonly fontSize?: number | string;
  readonly fontWeight?: number | string;
}

/** Vega's text measurer (not in its type declarations); a user function may replace `width`. */
const textMetrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text: unknown) => number } }).textMetrics;

/**
 * Lays text out with DejaVu Sans's real widths instead of Vega's canvas-less guess
 * (0.8 em a character), so titles and legends get the room they take when drawn.
 * Vega calls this for whole lines and, when truncating to a limit, for prefixes.
 */
function useDejaVuMetrics(): void {
  textMetrics.width = (item, text) => {
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    return textWidth(text == null ? '' : String(text).trim(), size, item.fontWeight);
  };
}

/** Vega-Lite -> Vega -> a headless View -> SVG. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  useDejaVuMetrics();
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG -> PNG at PNG_SCALE times its size. */
export function svgToPng(svg: string): Uint8Array {
  const resvg = new Resvg(svg, { font: fontOptions(), fitTo: { mode: 'zoom', value: PNG_SCALE }, background: 'white' });
  return resvg.render().asPng();
}

function svgSize(svg: string): { width: number; height: number } {
  const open = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\swidth="([\d.]+)"/.exec(open)?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(open)?.[1]);
  return { width, height };
}

/** Renders one figure to SVG and PNG. */
export async function renderFigure(spec: TopLevelSpec): Promise<RenderedFigure> {
  const svg = await renderSvg(spec);
  return { svg, png: svgToPng(svg), ...svgSize(svg) };
}
