import { writeFileAtomically } from '../../sim/core/atomic-file.ts';
import { comparePolicies, comparisonRunCount, type ComparisonDocument, type ComparisonRow, type Spread } from '../../scenarios/policy-comparison.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { REPORT_INDEX } from '../../reports/report-directory.ts';
import type { OutputDirectory } from '../../sim/output/output-directory.ts';
import { TIE_BAND_PP } from '../../scenarios/policy-tuning.ts';
import { FLOOR_POLICY } from '../../scenarios/high-only.ts';
import { resolveLoadBasis } from '../../scenarios/load-basis.ts';
import type { CompareOptions } from './compare-command.ts';
import { capacityProgress } from './capacity-progress.ts';
import { fixed, table } from './format.ts';

const KIND_LABELS: Readonly<Record<ComparisonRow['kind'], string>> = { untuned: 'untuned', tuned: 'tuned', 'high-only': 'high only' };

/** The comparison as a terminal table: one row per policy setting, then the floor. */
export function comparisonTable(rows: readonly ComparisonRow[]): string {
  const pm = (s: Spread, digits = 2) => `${fixed(s.mean, digits)} ± ${fixed(s.std, digits)}`;
  const floor = (r: ComparisonRow, text: string) => (r.kind === 'high-only' ? '-' : text);
  return table(
    ['policy', 'row', 'predictor', 'setting', 'high viol. %', '(late %)', '(dropped+rejected %)', 'low viol. %', '(dropped+rejected %)', 'fairness', 'goodput/s', 'exec MAPE %'],
    rows.map((r) => [
      r.policy,
      KIND_LABELS[r.kind],
      r.predictor,
      r.setting,
      pm(r.highViolationPct),
      pm(r.highLatePct),
      pm(r.highDroppedOrRejectedPct),
      floor(r, pm(r.lowViolationPct)),
      floor(r, pm(r.lowDroppedOrRejectedPct)),
      floor(r, pm(r.fairness, 3)),
      pm(r.goodputPerSec, 1),
      fixed(r.predictorExecutionMape.mean, 1),
    ]),
  );
}

/** What the rows mean, printed under the table. */
export function comparisonNotes(tune: boolean, floor: boolean): string {
  const notes: string[] = [];
  if (tune) {
    notes.push(
      `tuned: each policy's knobs searched over the same seeds (concurrency 1..slots; reserveSlots for edf, priority, strait; mode for preempt; dropLate for clockwork); ` +
        `best = lowest mean high violation rate, and among settings within ${TIE_BAND_PP} pp of it the lowest mean low rate.`,
    );
  }
  if (floor) notes.push(`high only: the high class alone on the same cluster (same arrivals, low traffic removed), ${FLOOR_POLICY}${tune ? ', best concurrency' : ''}: the floor for any policy that only schedules low work around high.`);
  return notes.join('\n');
}

/** What to compare, from the command's flags (checked). */
export interface ComparisonPlan {
  readonly policies: readonly string[];
  readonly predictors: readonly string[];
  readonly loads: readonly number[];
  readonly seeds: readonly number[];
  readonly tune: boolean;
  readonly floor: boolean;
}

/**
 * The work of `strait compare` once its flags and scenario are read (compare-command.ts):
 * the runs at every load, then the table, JSON and figure set.
 */
export async function runComparison(
  loaded: Scenario,
  { policies, predictors, loads, seeds, tune, floor }: ComparisonPlan,
  options: CompareOptions,
  figures: OutputDirectory | undefined,
): Promise<ComparisonDocument[]> {
  try {
    // A load stated against the measured capacity: measured once (at load 1), then scaled.
    const resolved = await resolveLoadBasis({ ...loaded, load: 1 }, { onProbe: capacityProgress() });
    const nominalPerStated = resolved.scenario.load;
    const capacity = resolved.capacity;
    const plan = { policies, predictors, seeds, tune, floor };
    const total = loads.length * comparisonRunCount(resolved.scenario, plan);
    let done = 0;
    const onRun = () => {
      if (process.stderr.isTTY) process.stderr.write(`\r${++done}/${total} runs \x1b[K`);
    };
    const documents: ComparisonDocument[] = [];
    for (const statedLoad of loads) {
      const base = { ...resolved.scenario, load: statedLoad * nominalPerStated };
      const rows = await comparePolicies(base, { ...plan, onRun });
      documents.push({
        scenario: base.name,
        statedLoad,
        loadBasis: loaded.loadBasis ?? 'nominal',
        load: base.load,
        measuredCapacity: capacity === undefined ? undefined : { load: capacity.best.load, perSec: capacity.best.perSec, concurrency: capacity.best.concurrency, seeds: capacity.seeds },
        seeds,
        tuned: tune,
        tieBandPp: tune ? TIE_BAND_PP : undefined,
        rows,
      });
    }
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const json = documents.length === 1 ? documents[0] : { scenario: loaded.name, loads, documents };
    if (options.out !== undefined) writeFileAtomically(options.out, JSON.stringify(json, null, 2) + '\n');
    const notes = comparisonNotes(tune, floor);
    if (figures !== undefined) await writeFigureSet(figures, documents, loaded, notes);
    if (options.json) {
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
      return documents;
    }
    // One write: a reader that stops early (| head) then closes the pipe after it, not between writes.
    let text = '';
    for (const document of documents) {
      const basis =
        document.measuredCapacity === undefined
          ? ''
          : ` of the measured capacity (load ${document.measuredCapacity.load.toFixed(4)}, ${document.measuredCapacity.perSec.toFixed(1)} req/s, concurrency ${document.measuredCapacity.concurrency}) = ${document.load.toFixed(4)} nominal`;
      text +=
        `scenario ${document.scenario}, load ${document.statedLoad}${basis}, seeds ${seeds.join(', ')} (mean ± standard deviation over seeds)\n\n` +
        comparisonTable(document.rows) +
        '\n\n';
    }
    process.stdout.write(notes === '' ? text : `${text}${notes}\n`);
    if (options.figures !== undefined) process.stderr.write(`wrote ${options.figures}/ (${REPORT_INDEX}, ${FIGURE_NAME}.vl.json/.svg/.png, tables.md, comparison.json)\n`);
    return documents;
  } catch (error) {
    figures?.discard();
    throw error;
  }
}

const FIGURE_NAME = 'violations-vs-load';

/** The figure set: the figure (spec, SVG, PNG), index.html, the tables as Markdown, the documents as JSON. */
async function writeFigureSet(directory: OutputDirectory, documents: readonly ComparisonDocument[], scenario: Scenario, notes: string): Promise<void> {
  // The renderers (vega, resvg) are loaded only for --figures.
  const [{ comparisonReport, markdownTable }, { reportHtml }, { renderFigure }] = await Promise.all([
    import('../../reports/comparison-report.ts'),
    import('../../reports/html.ts'),
    import('../../reports/render.ts'),
  ]);
  const report = comparisonReport(documents, { source: scenario.name, trace: scenario.workload.trace !== undefined, notes });
  const svgs = new Map<string, string>();
  for (const figure of report.figures) {
    const rendered = await renderFigure(figure.spec);
    directory.writeFile(`${figure.name}.vl.json`, JSON.stringify(figure.spec, null, 2) + '\n');
    directory.writeFile(`${figure.name}.svg`, rendered.svg);
    directory.writeFile(`${figure.name}.png`, rendered.png);
    svgs.set(figure.name, rendered.svg);
  }
  directory.writeFile('tables.md', report.tables.map(markdownTable).join('\n\n') + `\n\n${notes}\n`);
  directory.writeFile('comparison.json', JSON.stringify(documents, null, 2) + '\n');
  directory.writeFile(REPORT_INDEX, reportHtml(report, svgs));
  directory.commit();
}
