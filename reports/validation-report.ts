import { basename } from 'node:path';
import type { MetricAssessment, ValidatedConfiguration, ValidationDocument, ValidationMetric, Verdict } from './data/validation-file.ts';
import type { Figure, Report, Table } from './report-model.ts';
import { PRIORITIES } from './specs/theme.ts';
import { validationComparisonSpec, type ValidationComparisonRow } from './specs/validation-comparison.ts';
import { validationTrendSpec, type ValidationTrendRow } from './specs/validation-trend.ts';

/**
 * The report of a campaign validation (`strait validate --campaign DIR --out F`, then
 * `strait report F`): simulated against replayed mean and p99 latency per model and
 * class and the violation rate per class, each against its replicates and PASS band;
 * the trend of violations over load per policy; the verdicts per configuration.
 */

const METRIC_TITLES: Readonly<Record<ValidationMetric, string>> = { mean: 'Mean latency (ms)', p99: 'p99 latency (ms)', violations: 'Deadline violations (%)' };

function groupKey(configuration: string, model: string, priority: string): string {
  return `${configuration}/${model}/${priority}`;
}

/** The two profiles' legend names: file names, unless those are the same. */
function profileNames(doc: ValidationDocument): { profile: string; against?: string } {
  const other = doc.against?.validation.profile;
  if (other === undefined) return { profile: basename(doc.profile) };
  return basename(doc.profile) === basename(other) ? { profile: doc.profile, against: other } : { profile: basename(doc.profile), against: basename(other) };
}

/** The PASS band around the replicate mean: ± max(target, 1.5 N), relative for latencies, in pp for violations. */
function band(metric: ValidationMetric, a: MetricAssessment): Pick<ValidationComparisonRow, 'bandLow' | 'bandHigh' | 'bandBy'> {
  const t = a.tolerance;
  // tolerance = max(target, 1.5 N): the noise floor set it exactly when 1.5 N reaches it.
  const bandBy = 1.5 * a.floor >= t ? 'noise floor (1.5 N)' : 'target';
  if (metric === 'violations') return { bandLow: Math.max(0, a.replayMean - t), bandHigh: a.replayMean + t, bandBy };
  return { bandLow: Math.max(0, a.replayMean * (1 - t)), bandHigh: a.replayMean * (1 + t), bandBy };
}

/** One metric's rows: every configuration, model and class (violations: every model pooled only). */
export function validationComparisonRows(doc: ValidationDocument, metric: ValidationMetric): ValidationComparisonRow[] {
  const other = new Map((doc.against?.validation.configurations ?? []).flatMap((c) => c.rows.map((g) => [groupKey(c.name, g.model, g.priority), g.metrics[metric]] as const)));
  return doc.configurations.flatMap((c) =>
    c.rows
      .filter((g) => metric !== 'violations' || g.model === 'all')
      .map((g): ValidationComparisonRow => {
        const a = g.metrics[metric];
        const b = other.get(groupKey(c.name, g.model, g.priority));
        return {
          configuration: c.name,
          model: g.model,
          priority: g.priority,
          replayValues: a.replayValues,
          replayMean: a.replayMean,
          replayLow: a.replayInterval.low,
          replayHigh: a.replayInterval.high,
          ...band(metric, a),
          sim: a.sim,
          verdict: a.verdict,
          ...(b === undefined ? {} : { against: { sim: b.sim, verdict: b.verdict } }),
        };
      }),
  );
}

/** Each policy's violation rate per load and class: replayed (with its interval), simulated, and simulated with the other profile. */
export function validationTrendRows(doc: ValidationDocument): ValidationTrendRow[] {
  const names = profileNames(doc);
  const rows: ValidationTrendRow[] = [];
  const add = (configurations: readonly ValidatedConfiguration[], source: string, replay: boolean) => {
    for (const c of configurations) {
      for (const priority of PRIORITIES) {
        const a = c.rows.find((g) => g.model === 'all' && g.priority === priority)?.metrics.violations;
        if (a === undefined) continue;
        rows.push(
          replay
            ? { policy: c.policy, load: c.load, priority, source, pct: a.replayMean, lowPct: a.replayInterval.low, highPct: a.replayInterval.high }
            : { policy: c.policy, load: c.load, priority, source, pct: a.sim },
        );
      }
    }
  };
  add(doc.configurations, 'replay', true);
  add(doc.configurations, names.profile, false);
  if (doc.against !== undefined) add(doc.against.validation.configurations, names.against!, false);
  return rows;
}

function verdictCounts(c: ValidatedConfiguration): Record<Verdict, number> {
  const counts = { PASS: 0, FAIL: 0, INCONCLUSIVE: 0 };
  for (const g of c.rows) for (const m of ['mean', 'p99', 'violations'] as const) counts[g.metrics[m].verdict]++;
  return counts;
}

function verdictTable(doc: ValidationDocument): Table {
  const names = profileNames(doc);
  const other = new Map((doc.against?.validation.configurations ?? []).map((c) => [c.name, verdictCounts(c)]));
  const cells = (v: Record<Verdict, number> | undefined) => (v === undefined ? [] : [String(v.PASS), String(v.FAIL), String(v.INCONCLUSIVE)]);
  const against = names.against === undefined ? [] : [`${names.against}: PASS`, 'FAIL', 'INCONCLUSIVE'];
  return {
    id: 'table-verdicts',
    title: 'Verdicts per configuration (mean, p99 and violations of every model and class)',
    header: ['configuration', 'role', 'policy', 'load', 'replicates', `${names.profile}: PASS`, 'FAIL', 'INCONCLUSIVE', ...against],
    rows: doc.configurations.map((c) => [c.name, c.role, c.policy, String(c.load), String(c.replicates), ...cells(verdictCounts(c)), ...cells(other.get(c.name))]),
    note:
      doc.against === undefined
        ? undefined
        : `Where the two profiles' simulations differ by more than the tolerance (${doc.against.differ} comparisons), ${doc.against.profileOnly} PASS with ${names.profile} and FAIL with ${names.against}, ${doc.against.againstOnly} the reverse; elsewhere their verdicts say nothing about one against the other.`,
  };
}

function tauText(doc: ValidationDocument): string {
  return PRIORITIES.map((p) => `${p} ${Number.isFinite(doc.tau[p]) ? doc.tau[p].toFixed(2) : '-'}`).join(', ');
}

/** The whole validation as a report. */
export function validationReport(doc: ValidationDocument, source: string): Report {
  const names = profileNames(doc);
  const configurations = doc.configurations.map((c) => c.name);
  const models = [...new Set(doc.configurations.flatMap((c) => c.rows.map((g) => g.model)))];
  const replicates = [...new Set(doc.configurations.map((c) => c.replicates))].join(' or ');
  const versus = names.against === undefined ? '' : `, and with ${names.against} (hollow triangles)`;
  const bandText =
    'The bar is the band the simulator must land in for a PASS, the replicate mean ± max(target, 1.5 N): grey where the target (10% mean, 20% p99, 3 pp violations) sets it, orange where the noise floor N (the mean leave-one-out error of one replay against the others) widens it.';
  const marks = `Grey dots: each replicate (${replicates} per configuration); black tick and bar: their mean and its 95% bootstrap interval (replays, then requests, resampled); diamond: the simulator with ${names.profile} (each replay's trace × ${doc.simSeeds} seeds), coloured by its verdict${versus}.`;
  const comparison = (metric: ValidationMetric, name: string, what: string): Figure => ({
    name,
    title: `Simulated vs replayed ${what}`,
    caption: `${what[0].toUpperCase()}${what.slice(1)} per configuration${metric === 'violations' ? ', every model pooled' : ', one row of panels per model'}, one column per class. ${marks} ${bandText} Each panel has its own scale.`,
    spec: validationComparisonSpec(validationComparisonRows(doc, metric), {
      title: `Simulated vs replayed ${what}`,
      subtitle: `${basename(doc.campaign)} · ${names.profile}${names.against === undefined ? '' : ` against ${names.against}`}`,
      valueTitle: METRIC_TITLES[metric],
      configurations,
      models: metric === 'violations' ? ['all'] : models,
      ...names,
    }),
  });
  const sources = names.against === undefined ? ['replay', names.profile] : ['replay', names.profile, names.against];
  const figures: Figure[] = [
    comparison('mean', 'validation-mean', 'mean latency'),
    comparison('p99', 'validation-p99', 'p99 latency'),
    comparison('violations', 'validation-violations', 'violation rate'),
    {
      name: 'validation-trend',
      title: 'Violation rate against load per policy, replayed and simulated',
      caption: `Each policy's deadline-violation rate per class at each load of the campaign: the replicate mean (solid, with its 95% bootstrap interval) and the simulation (dashed${names.against === undefined ? '' : `; ${names.against} dotted`}). Kendall tau of the configurations ordered by violation rate, replay against ${names.profile}: ${tauText(doc)}; the simulator has the sign of ${doc.signs.agree} of the ${doc.signs.agree + doc.signs.disagree} differences the replays show with an interval excluding zero.`,
      spec: validationTrendSpec(validationTrendRows(doc), {
        title: 'Violations against load: replayed and simulated',
        subtitle: `Kendall tau (replay vs ${names.profile}): ${tauText(doc)}`,
        policies: [...new Set(doc.configurations.map((c) => c.policy))],
        sources,
      }),
    },
  ];
  const v = doc.verdicts;
  return {
    kind: 'validation',
    title: `strait validation: ${basename(doc.campaign)}`,
    subtitle: `campaign ${doc.campaign} · profile ${doc.profile}${doc.against === undefined ? '' : ` against ${doc.against.validation.profile}`} · ${doc.configurations.length} configurations · ${v.PASS} PASS, ${v.FAIL} FAIL, ${v.INCONCLUSIVE} INCONCLUSIVE`,
    source,
    figures,
    tables: [verdictTable(doc)],
  };
}
