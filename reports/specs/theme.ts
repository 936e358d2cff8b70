import type { Config, TopLevelSpec } from 'vega-lite';
import type { LayerSpec, UnitSpec } from 'vega-lite/build/src/spec/index.js';

/**
 * What every figure shares: one sans-serif font at sizes that stay readable when a
 * figure is shrunk to a paper column, a white background (PNGs are not transparent),
 * and the labels of the two priority classes.
 */

/** DejaVu Sans is what the PNG renderer loads; browsers fall back along the list. */
export const FONT = 'DejaVu Sans, Verdana, Helvetica, Arial, sans-serif';

export const CONFIG: Config = {
  font: FONT,
  background: 'white',
  padding: 10,
  title: { fontSize: 16, subtitleFontSize: 13, subtitleColor: '#444', anchor: 'start', offset: 12 },
  axis: { labelFontSize: 13, titleFontSize: 14, titleFontWeight: 'normal', titlePadding: 8, labelColor: '#222', titleColor: '#000' },
  legend: { labelFontSize: 13, titleFontSize: 14, titleFontWeight: 'normal', symbolSize: 120, labelLimit: 260 },
  header: { labelFontSize: 14, titleFontSize: 14, labelFontWeight: 'bold' },
  view: { stroke: '#bbb' },
  range: { category: { scheme: 'tableau10' } },
};

/** One panel of a faceted figure; a figure of one panel is a little wider. */
export const PANEL = { width: 340, height: 260 } as const;
export const SINGLE = { width: 460, height: 280 } as const;

export type Priority = 'high' | 'low';
export const PRIORITIES: readonly Priority[] = ['high', 'low'];
export const CLASS_LABELS: Readonly<Record<Priority, string>> = { high: 'High priority', low: 'Low priority' };
export const CLASS_ORDER: readonly string[] = PRIORITIES.map((p) => CLASS_LABELS[p]);

/** One panel per priority class, high before low (a fresh object: specs are plain data a renderer may touch). */
export function classFacet(): { column: { field: string; type: 'nominal'; title: null; sort: string[]; header: { labelPadding: number } } } {
  return { column: { field: 'class', type: 'nominal', title: null, sort: [...CLASS_ORDER], header: { labelPadding: 6 } } };
}
/** Fixed class colours, so high is the same colour in every figure. */
export const CLASS_COLORS: readonly string[] = ['#d62728', '#1f77b4'];

export interface FigureText {
  /** Shown above the chart; the HTML page repeats it as the caption's lead. */
  readonly title: string;
  readonly subtitle?: string;
}

export function titleOf(text: FigureText): { text: string; subtitle?: string } {
  return text.subtitle === undefined ? { text: text.title } : { text: text.title, subtitle: text.subtitle };
}

/** Series in the order given, so a policy keeps its colour and shape in every figure. */
export function seriesScale(series: readonly string[]): { domain: string[]; scheme?: 'tableau20' } {
  return series.length > 10 ? { domain: [...series], scheme: 'tableau20' } : { domain: [...series] };
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Ticks of a load axis: at the swept loads when there are few, else about six. */
export function loadAxis(rows: readonly { readonly load: number }[]): { values: number[]; format: string } | { tickCount: number; format: string } {
  const loads = [...new Set(rows.map((r) => r.load))].sort((a, b) => a - b);
  // "~g" prints each swept load as given (0.95, not the axis-wide "0.9" of ".1f").
  return loads.length <= 8 ? { values: loads, format: '~g' } : { tickCount: 6, format: '~g' };
}

/** The inner spec of a faceted figure (a unit or a layer), as Vega-Lite types it. */
export type PanelSpec = Extract<TopLevelSpec, { facet: unknown }>['spec'];

/**
 * A figure of one panel per priority class: the theme, the title, the data, the class
 * facet and a PANEL-sized inner spec; `sharedY` gives both panels one y scale.
 */
export function classPanelsSpec(values: readonly object[], text: FigureText, panel: DistributiveOmit<PanelSpec, 'width' | 'height'>, options: { readonly sharedY?: boolean } = {}): TopLevelSpec {
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: titleOf(text),
    data: { values: values as object[] },
    facet: classFacet(),
    spec: { width: PANEL.width, height: PANEL.height, ...panel } as PanelSpec,
    ...(options.sharedY === true ? { resolve: { scale: { y: 'shared' } } } : {}),
  } as TopLevelSpec;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The frame of a single-panel figure of layers: schema, theme, title, its rows and the
 * panel's size, so that each figure's module holds only its own encodings.
 */
export function singlePanel(text: FigureText, values: readonly object[], layer: (LayerSpec<string> | UnitSpec<string>)[]): TopLevelSpec {
  return { $schema: SCHEMA, config: CONFIG, title: titleOf(text), data: { values: [...values] }, width: SINGLE.width, height: SINGLE.height, layer };
}
