import type { TopLevelSpec } from 'vega-lite';
import { CLASS_LABELS, CONFIG, SCHEMA, titleOf, type FigureText, type Priority, classFacet } from './theme.ts';

export type VerdictName = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

/** One configuration, model and class of a validation, for one metric (ms or %). */
export interface ValidationComparisonRow {
  readonly configuration: string;
  readonly model: string;
  readonly priority: Priority;
  /** The metric on each replicate, their mean and its 95% bootstrap interval. */
  readonly replayValues: readonly number[];
  readonly replayMean: number;
  readonly replayLow: number;
  readonly replayHigh: number;
  /** The band the simulator must land in for a PASS: the replicate mean ± max(target, 1.5 N). */
  readonly bandLow: number;
  readonly bandHigh: number;
  /** What set the band's width: the target, or the noise floor (1.5 N wider than the target). */
  readonly bandBy: BandSetter;
  readonly sim: number;
  readonly verdict: VerdictName;
  /** With `--against`: the other profile's simulation and verdict. */
  readonly against?: { readonly sim: number; readonly verdict: VerdictName };
}

export type BandSetter = 'target' | 'noise floor (1.5 N)';
const BAND_SETTERS: readonly BandSetter[] = ['target', 'noise floor (1.5 N)'];
const BAND_FILLS = ['#dddddd', '#fdd0a2'];
const VERDICTS: readonly VerdictName[] = ['PASS', 'FAIL', 'INCONCLUSIVE'];
const VERDICT_COLORS = ['#2ca02c', '#d62728', '#8c8c8c'];

export interface ValidationComparisonOptions extends FigureText {
  /** The y axis' title with its unit, e.g. "Mean latency (ms)". */
  readonly valueTitle: string;
  /** Configurations and models in the order they are drawn. */
  readonly configurations: readonly string[];
  readonly models: readonly string[];
  /** Legend names of the profile and, with --against, the other one. */
  readonly profile: string;
  readonly against?: string;
}

/** The row header of a model ('all' is every model pooled). */
function modelLabel(model: string): string {
  return model === 'all' ? 'all models' : model;
}

/**
 * Simulated against replayed, per configuration (x), one panel per model (rows) and
 * class (columns): the band the simulator must land in for a PASS (grey where the
 * target sets it, orange where the noise floor widens it), each replicate as a small
 * grey dot, the replicate mean with its 95% bootstrap interval in black, the simulator
 * as a diamond coloured by its verdict, and, with --against, the other profile as a
 * hollow triangle. Each panel has its own y scale (models differ tenfold). A pure
 * function of the rows.
 */
export function validationComparisonSpec(rows: readonly ValidationComparisonRow[], options: ValidationComparisonOptions): TopLevelSpec {
  const shared = (r: ValidationComparisonRow) => ({ configuration: r.configuration, model: modelLabel(r.model), class: CLASS_LABELS[r.priority] });
  const profiles = options.against === undefined ? [options.profile] : [options.profile, options.against];
  const values = [
    ...rows.map((r) => ({ ...shared(r), layer: 'comparison', replayMean: r.replayMean, replayLow: r.replayLow, replayHigh: r.replayHigh, bandLow: r.bandLow, bandHigh: r.bandHigh, bandBy: r.bandBy })),
    ...rows.flatMap((r) => r.replayValues.map((value, k) => ({ ...shared(r), layer: 'replicate', value, replicate: k + 1 }))),
    ...rows.map((r) => ({ ...shared(r), layer: 'sim', value: r.sim, verdict: r.verdict, profile: options.profile })),
    ...(options.against === undefined ? [] : rows.flatMap((r) => (r.against === undefined ? [] : [{ ...shared(r), layer: 'against', value: r.against.sim, verdict: r.against.verdict, profile: options.against! }]))),
  ];
  const only = (layer: string) => [{ filter: `datum.layer === '${layer}'` }];
  const x = { field: 'configuration', type: 'nominal', title: 'Configuration', sort: [...options.configurations], axis: { labelAngle: -35 } } as const;
  const y = (field: string) => ({ field, type: 'quantitative', title: options.valueTitle, scale: { zero: false } }) as const;
  const color = { field: 'verdict', type: 'nominal', title: 'Verdict', scale: { domain: [...VERDICTS], range: VERDICT_COLORS } } as const;
  const shape = { field: 'profile', type: 'nominal', title: 'Simulated with', scale: { domain: profiles, range: ['diamond', 'triangle-up'] } } as const;
  const simTooltip = [
    { field: 'configuration' },
    { field: 'profile' },
    { field: 'value', title: options.valueTitle, format: '.2f' },
    { field: 'verdict' },
  ];
  const facet = classFacet();
  return {
    $schema: SCHEMA,
    config: CONFIG,
    title: titleOf(options),
    data: { values },
    facet: { ...facet, row: { field: 'model', type: 'nominal', title: null, sort: options.models.map(modelLabel), header: { labelAngle: 0, labelAlign: 'left' } } },
    spec: {
      width: Math.max(160, 44 * options.configurations.length),
      height: 130,
      layer: [
        {
          transform: only('comparison'),
          mark: { type: 'bar', opacity: 0.8 },
          encoding: { x, y: y('bandLow'), y2: { field: 'bandHigh' }, fill: { field: 'bandBy', type: 'nominal', title: 'PASS band set by', scale: { domain: [...BAND_SETTERS], range: BAND_FILLS } } },
        },
        { transform: only('replicate'), mark: { type: 'point', filled: true, size: 14, color: '#666666', opacity: 0.8 }, encoding: { x, y: y('value') } },
        { transform: only('comparison'), mark: { type: 'errorbar', ticks: { size: 8 }, thickness: 1.5, color: '#000000' }, encoding: { x, y: y('replayLow'), y2: { field: 'replayHigh' } } },
        { transform: only('comparison'), mark: { type: 'tick', color: '#000000', thickness: 2, size: 14 }, encoding: { x, y: y('replayMean') } },
        { transform: only('sim'), mark: { type: 'point', filled: true, size: 90, opacity: 1 }, encoding: { x, y: y('value'), color, shape, tooltip: simTooltip } },
        { transform: only('against'), mark: { type: 'point', filled: false, size: 90, strokeWidth: 2, opacity: 1 }, encoding: { x, y: y('value'), color, shape, tooltip: simTooltip } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}
