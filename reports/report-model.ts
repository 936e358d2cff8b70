import type { TopLevelSpec } from 'vega-lite';

/** One figure of a report: a Vega-Lite spec and the words around it. */
export interface Figure {
  /** File stem: NAME.vl.json, NAME.svg, NAME.png; also the HTML anchor. */
  readonly name: string;
  readonly title: string;
  /** What a reader needs to read the figure: what is plotted, over what, and how. */
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

/** A summary table, already formatted (numbers as display strings). */
export interface Table {
  readonly id: string;
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly note?: string;
}

/** Everything a report shows, before rendering. */
export interface Report {
  readonly kind: 'run' | 'sweep' | 'comparison' | 'validation';
  readonly title: string;
  /** One line on what was reported (the run's settings, or the sweep's grid). */
  readonly subtitle: string;
  readonly source: string;
  readonly figures: readonly Figure[];
  readonly tables: readonly Table[];
}
