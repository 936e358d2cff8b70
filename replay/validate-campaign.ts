import { OUTCOMES, PRIORITY_CODES } from '../sim/metrics/request-records.ts';
import { readCalibration, type Calibration } from '../scenarios/parse-scenario.ts';
import type { CampaignConfigurationReplays, CampaignRecords } from './campaign-records.ts';
import type { ProfileContrast } from './profile-contrast.ts';
import type { ReplayDirectory } from './replay-records.ts';
import { assess, type Assessment } from './stats/assess.ts';
import { bootstrapReplicateMeans, percentileInterval, type Interval } from './stats/bootstrap.ts';
import { METRICS, statistic, type MetricName } from './stats/metric.ts';
import { kendallTau, signCheck, type SignCheck } from './stats/rank-agreement.ts';
import type { VerdictName } from './stats/verdict.ts';
import { DEFAULT_SIM_SEEDS, simulateReplayTrace, withCalibration } from './validate.ts';

/**
 * Validation against a campaign: per configuration, model, class and metric, the
 * replicates' noise floor, the simulator's error against their mean with a bootstrap
 * interval, and a verdict; then the trends (does the simulator order the policies as
 * the device does, and reproduce the sign of every difference the device shows?).
 */

const CLASSES = ['high', 'low'] as const;

/** One request's outcome, as the comparisons read it (replayed or simulated). */
interface Outcome {
  readonly model: string;
  readonly priority: string;
  readonly latency: number;
  readonly served: boolean;
  readonly violated: boolean;
}

/** One run (a replay, or one simulation of a replay's trace). */
type Run = readonly Outcome[];

export interface GroupRow {
  readonly model: string;
  readonly priority: string;
  readonly metrics: Readonly<Record<MetricName, Assessment>>;
}

export interface ConfigurationValidation {
  readonly name: string;
  readonly role: string;
  readonly policy: string;
  readonly load: number;
  readonly replicates: number;
  readonly excluded: readonly number[];
  readonly rows: readonly GroupRow[];
}

export interface RankAgreement {
  readonly priority: string;
  /** The load compared at, or 'all' for every configuration at once. */
  readonly load: number | 'all';
  readonly items: readonly { readonly configuration: string; readonly replay: number; readonly sim: number }[];
  readonly tau: number;
}

export interface DifferenceCheck {
  readonly a: string;
  readonly b: string;
  /** What differs between them: 'policy' or 'load'. */
  readonly varies: string;
  readonly priority: string;
  readonly metric: MetricName;
  /** b - a in the replays (replicate means) with its bootstrap interval, and in simulation. */
  readonly replay: number;
  readonly interval: Interval;
  readonly sim: number;
  readonly check: SignCheck;
}

export interface CampaignValidation {
  readonly kind: 'strait-campaign-validation';
  readonly campaign: string;
  readonly profile: string;
  readonly simSeeds: number;
  readonly resamples: number;
  readonly seed: number;
  readonly configurations: readonly ConfigurationValidation[];
  readonly ranks: readonly RankAgreement[];
  readonly differences: readonly DifferenceCheck[];
  readonly verdicts: Readonly<Record<VerdictName, number>>;
  readonly signs: { readonly agree: number; readonly disagree: number; readonly notSignificant: number };
  /** `--against Q`: the same campaign validated with another profile, and whether the replays tell the two apart. */
  readonly against?: { readonly validation: CampaignValidation; readonly contrast: ProfileContrast };
}

/** A request's outcome from its record's fields: served when it completed (in time or late), violated unless met. */
function outcomeOf(model: string, priority: string, latency: number, outcome: string): Outcome {
  return { model, priority, latency, served: outcome === 'met' || outcome === 'late', violated: outcome !== 'met' };
}

function replayRun(replay: ReplayDirectory): Run {
  return replay.records.map((r) => outcomeOf(r.model, r.priority, r.latency, r.outcome));
}

function simulatedRuns(replay: ReplayDirectory, calibration: Calibration, seeds: number): Run[] {
  const scenario = withCalibration(replay.scenario, calibration);
  const runs: Run[] = [];
  for (let k = 0; k < seeds; k++) {
    const records = simulateReplayTrace(replay, { ...scenario, seed: scenario.seed + k });
    const [latency, outcome, priority, model] = [records.latency.view(), records.outcome.view(), records.priority.view(), records.model.view()];
    runs.push(Array.from({ length: records.length }, (_, i) => outcomeOf(records.models[model[i]], PRIORITY_CODES[priority[i]], latency[i], OUTCOMES[outcome[i]])));
  }
  return runs;
}

/** A run's sample for one metric, model ('all': every model) and class. */
function sample(run: Run, metric: MetricName, model: string, priority: string): number[] {
  const group = run.filter((o) => (model === 'all' || o.model === model) && o.priority === priority);
  return metric === 'violations' ? group.map((o) => (o.violated ? 1 : 0)) : group.filter((o) => o.served).map((o) => o.latency);
}

/** The mean over runs of each run's statistic: the replicate mean, or the simulator's value (runs without a sample left out). */
function meanOverRuns(runs: readonly Run[], metric: MetricName, model: string, priority: string): number {
  const values = runs.map((run) => statistic(metric, sample(run, metric, model, priority))).filter(Number.isFinite);
  return values.length === 0 ? NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

interface Prepared {
  readonly entry: CampaignConfigurationReplays;
  readonly policy: string;
  readonly load: number;
  readonly real: readonly Run[];
  readonly sim: readonly Run[];
}

export interface CampaignValidationOptions {
  readonly simSeeds?: number;
  readonly resamples?: number;
  /** Seeds every bootstrap (each comparison draws its own named stream). */
  readonly seed?: number;
  readonly onProgress?: (line: string) => void;
}

export function validateCampaign(campaign: CampaignRecords, profilePath: string, options: CampaignValidationOptions = {}): CampaignValidation {
  const calibration = readCalibration(profilePath);
  const simSeeds = options.simSeeds ?? DEFAULT_SIM_SEEDS;
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 1;
  const prepared: Prepared[] = campaign.configurations.map((entry) => {
    options.onProgress?.(`simulating ${entry.configuration.name}: ${entry.replays.length} replays x ${simSeeds} seeds`);
    const first = entry.replays[0];
    return {
      entry,
      policy: first?.scenario.policy.name ?? entry.configuration.policy ?? '?',
      load: first?.scenario.load ?? entry.configuration.load ?? NaN,
      real: entry.replays.map(replayRun),
      sim: entry.replays.flatMap((r) => simulatedRuns(r, calibration, simSeeds)),
    };
  });
  const configurations = prepared.map((p): ConfigurationValidation => {
    const models = [...new Set(p.real.flatMap((run) => run.map((o) => o.model)))].sort();
    const rows = [...models, 'all'].flatMap((model) =>
      CLASSES.map((priority): GroupRow => ({
        model,
        priority,
        metrics: Object.fromEntries(
          METRICS.map((metric) => [
            metric,
            assess(metric, p.real.map((run) => sample(run, metric, model, priority)), meanOverRuns(p.sim, metric, model, priority), `${seed}/${p.entry.configuration.name}/${model}/${priority}/${metric}`, resamples),
          ]),
        ) as Record<MetricName, Assessment>,
      })),
    ).filter((row) => row.metrics.violations.replicates > 0);
    return { name: p.entry.configuration.name, role: p.entry.configuration.role, policy: p.policy, load: p.load, replicates: p.real.length, excluded: p.entry.excluded, rows };
  });
  const ranks = rankAgreements(prepared);
  const differences = differenceChecks(prepared, resamples, seed);
  const verdicts = { PASS: 0, FAIL: 0, INCONCLUSIVE: 0 };
  for (const c of configurations) for (const row of c.rows) for (const m of METRICS) verdicts[row.metrics[m].verdict]++;
  const signs = { agree: 0, disagree: 0, notSignificant: 0 };
  for (const d of differences) signs[d.check === 'not significant' ? 'notSignificant' : d.check]++;
  return { kind: 'strait-campaign-validation', campaign: campaign.dir, profile: profilePath, simSeeds, resamples, seed, configurations, ranks, differences, verdicts, signs };
}

/** Kendall tau of the configurations' violation rate per class, replay vs simulation: at each load (>= 3 policies), and over all. */
function rankAgreements(prepared: readonly Prepared[]): RankAgreement[] {
  const out: RankAgreement[] = [];
  const loads = [...new Set(prepared.map((p) => p.load))].sort((a, b) => a - b);
  for (const priority of CLASSES) {
    const groups: [number | 'all', Prepared[]][] = [...loads.map((l): [number, Prepared[]] => [l, prepared.filter((p) => p.load === l)]), ['all', [...prepared]]];
    for (const [load, group] of groups) {
      if (group.length < 3) continue;
      const items = group.map((p) => ({
        configuration: p.entry.configuration.name,
        replay: meanOverRuns(p.real, 'violations', 'all', priority),
        sim: meanOverRuns(p.sim, 'violations', 'all', priority),
      }));
      out.push({ priority, load, items, tau: kendallTau(items.map((i) => i.replay), items.map((i) => i.sim)) });
    }
  }
  return out;
}

/**
 * Every pair of configurations that differ in policy only (same load) or in load only
 * (same policy): the difference b - a of each class's violation rate and mean latency,
 * in the replays (with a bootstrap interval: each side resampled on its own) and in
 * simulation.
 */
function differenceChecks(prepared: readonly Prepared[], resamples: number, seed: number): DifferenceCheck[] {
  const out: DifferenceCheck[] = [];
  for (let i = 0; i < prepared.length; i++) {
    for (let j = i + 1; j < prepared.length; j++) {
      const [a, b] = [prepared[i], prepared[j]];
      const varies = a.load === b.load && a.policy !== b.policy ? 'policy' : a.policy === b.policy && a.load !== b.load ? 'load' : undefined;
      if (varies === undefined || a.real.length === 0 || b.real.length === 0) continue;
      for (const priority of CLASSES) {
        for (const metric of ['violations', 'mean'] as const) {
          const boot = (p: Prepared) =>
            bootstrapReplicateMeans(p.real.map((run) => sample(run, metric, 'all', priority)).filter((s) => s.length > 0), (s) => statistic(metric, s), {
              seed: `${seed}/diff/${p.entry.configuration.name}/${priority}/${metric}`,
              resamples,
            });
          const [ba, bb] = [boot(a), boot(b)];
          const interval = percentileInterval(bb.map((x, k) => x - ba[k]));
          const sim = meanOverRuns(b.sim, metric, 'all', priority) - meanOverRuns(a.sim, metric, 'all', priority);
          out.push({ a: a.entry.configuration.name, b: b.entry.configuration.name, varies, priority, metric, replay: meanOverRuns(b.real, metric, 'all', priority) - meanOverRuns(a.real, metric, 'all', priority), interval, sim, check: signCheck(interval, sim) });
        }
      }
    }
  }
  return out;
}
