import type { ComparisonDocument, ComparisonRow, Spread } from '../scenarios/policy-comparison.ts';
import type { Report, Table } from './report-model.ts';
import { fairComparisonSpec, FLOOR_SERIES, type ComparisonVariant, type FairComparisonRow } from './specs/fair-comparison.ts';
import { PRIORITIES } from './specs/theme.ts';

const VARIANT: Readonly<Record<ComparisonRow['kind'], ComparisonVariant>> = { untuned: 'untuned', tuned: 'tuned', 'high-only': 'high only' };

/** The figure's rows: every row of every load, per class (the floor has no low class). */
export function fairComparisonRows(documents: readonly ComparisonDocument[]): FairComparisonRow[] {
  const rows: FairComparisonRow[] = [];
  for (const document of documents) {
    for (const row of document.rows) {
      for (const priority of PRIORITIES) {
        if (row.kind === 'high-only' && priority === 'low') continue;
        const rate = priority === 'high' ? row.highViolationPct : row.lowViolationPct;
        rows.push({
          series: row.kind === 'high-only' ? FLOOR_SERIES : row.policy,
          variant: VARIANT[row.kind],
          priority,
          load: document.statedLoad,
          meanPct: rate.mean,
          lowPct: Math.max(0, rate.mean - rate.std),
          highPct: rate.mean + rate.std,
          seeds: row.seeds.length,
          setting: row.setting,
        });
      }
    }
  }
  return rows;
}

const pm = (s: Spread, digits = 2) => `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;

/** What a load means on the axis and in titles. */
export function loadTitle(document: ComparisonDocument, trace: boolean): string {
  if (document.loadBasis === 'measured') return 'Load (× measured capacity)';
  return trace ? 'Load (× the trace’s rate)' : 'Load (× nominal capacity)';
}

/** One load's rows as a table: policy, row, predictor, setting, each class's violations, fairness, goodput. */
export function comparisonTable(document: ComparisonDocument, index: number): Table {
  const floor = (r: ComparisonRow, text: string) => (r.kind === 'high-only' ? '–' : text);
  const capacity = document.measuredCapacity;
  return {
    id: `table-load-${index + 1}`,
    title: `Load ${document.statedLoad}${document.loadBasis === 'measured' ? ' of the measured capacity' : ''} (mean ± standard deviation over seeds ${document.seeds.join(', ')})`,
    header: ['policy', 'row', 'predictor', 'setting', 'high violations (%)', 'high dropped or rejected (%)', 'low violations (%)', 'fairness (Jain)', 'goodput (req/s)'],
    rows: document.rows.map((r) => [
      r.policy,
      VARIANT[r.kind],
      r.predictor,
      r.setting,
      pm(r.highViolationPct),
      pm(r.highDroppedOrRejectedPct),
      floor(r, pm(r.lowViolationPct)),
      floor(r, pm(r.fairness, 3)),
      pm(r.goodputPerSec, 1),
    ]),
    note:
      capacity === undefined
        ? undefined
        : `Measured capacity ${capacity.perSec.toFixed(1)} req/s (load ${capacity.load.toFixed(4)}, concurrency ${capacity.concurrency}); this load ran at ${document.load.toFixed(4)} on the nominal basis.`,
  };
}

/** The whole comparison as a report: the violation-vs-load figure and one table per load. */
export function comparisonReport(documents: readonly ComparisonDocument[], options: { readonly source: string; readonly trace: boolean; readonly notes: string }): Report {
  const first = documents[0];
  const policies = [...new Set(documents.flatMap((d) => d.rows.filter((r) => r.kind !== 'high-only').map((r) => r.policy)))];
  const loads = documents.map((d) => d.statedLoad).join(', ');
  const tuned = documents.some((d) => d.tuned);
  const figure = {
    name: 'violations-vs-load',
    title: `Deadline violations per class against load${tuned ? ', untuned and tuned' : ''}, with the high-only floor`,
    caption:
      `${first.scenario}: the mean violation rate per class over seeds ${first.seeds.join(', ')} (error bars: ± one standard deviation), ` +
      `for each policy as it comes (dashed)${tuned ? ' and at its best setting for that load (solid)' : ''}; ` +
      `the black dotted line is the high class alone on the same cluster, the floor for any policy that only schedules low work around it. ${options.notes}`,
    spec: fairComparisonSpec(fairComparisonRows(documents), {
      title: `${first.scenario}: violations against load`,
      subtitle: `${tuned ? 'untuned (dashed) and tuned (solid) policies' : 'policies as they come (dashed)'}; high-only floor dotted; seeds ${first.seeds.join(', ')}`,
      policies,
      loadTitle: loadTitle(first, options.trace),
    }),
  };
  return {
    kind: 'comparison',
    title: `strait comparison: ${first.scenario}`,
    subtitle: `${policies.join(', ')} at loads ${loads}; seeds ${first.seeds.join(', ')}${tuned ? '; tuned beside untuned' : ''}`,
    source: options.source,
    figures: [figure],
    tables: documents.map(comparisonTable),
  };
}

/** A table as GitHub Markdown (for pasting results into a README). */
export function markdownTable(table: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [`**${table.title}**`, '', line(table.header), line(table.header.map(() => '---')), ...table.rows.map(line), ...(table.note === undefined ? [] : ['', table.note])].join('\n');
}
