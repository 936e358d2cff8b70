import { readFileSync } from 'node:fs';
import { parseJson } from '../../scenarios/json-fields.ts';
import type { Priority } from '../specs/theme.ts';
import { JsonReader } from './json-reader.ts';

/**
 * What a report reads of a validation file (`strait validate --campaign DIR --out F`).
 * reports/ sits beside replay/ in the layering, so it reads the file, not replay's types.
 */

export const VALIDATION_KIND = 'strait-campaign-validation';

export type ValidationMetric = 'mean' | 'p99' | 'violations';
export const VALIDATION_METRICS: readonly ValidationMetric[] = ['mean', 'p99', 'violations'];
export type Verdict = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** One metric of one model and class: ms for latencies, % for the violation rate; E and N relative or in pp. */
export interface MetricAssessment {
  readonly replayValues: readonly number[];
  readonly replayMean: number;
  readonly replayInterval: Interval;
  readonly sim: number;
  readonly floor: number;
  readonly error: number;
  readonly tolerance: number;
  readonly verdict: Verdict;
}

export interface ValidatedGroup {
  readonly model: string;
  readonly priority: Priority;
  readonly metrics: Readonly<Record<ValidationMetric, MetricAssessment>>;
}

export interface ValidatedConfiguration {
  readonly name: string;
  readonly role: string;
  readonly policy: string;
  readonly load: number;
  readonly replicates: number;
  readonly rows: readonly ValidatedGroup[];
}

export interface ValidationDocument {
  readonly campaign: string;
  readonly profile: string;
  readonly simSeeds: number;
  readonly configurations: readonly ValidatedConfiguration[];
  /** Kendall tau per class over all configurations (load "all"). */
  readonly tau: Readonly<Record<Priority, number>>;
  readonly verdicts: Readonly<Record<Verdict, number>>;
  readonly signs: { readonly agree: number; readonly disagree: number };
  /** `--against`: the other profile's validation, and the contrast's decided comparisons. */
  readonly against?: { readonly validation: ValidationDocument; readonly profileOnly: number; readonly againstOnly: number; readonly differ: number };
}

const HINT = `is this a file written by strait validate --campaign DIR --out FILE?`;

function verdictOf(r: JsonReader, value: unknown, path: string): Verdict {
  if (value !== 'PASS' && value !== 'FAIL' && value !== 'INCONCLUSIVE') r.fail(path, '"PASS", "FAIL" or "INCONCLUSIVE"');
  return value as Verdict;
}

function interval(r: JsonReader, value: unknown, path: string): Interval {
  const o = r.object(value, path);
  return { low: r.number(o.low, `${path}.low`), high: r.number(o.high, `${path}.high`) };
}

function assessment(r: JsonReader, value: unknown, path: string): MetricAssessment {
  const a = r.object(value, path);
  return {
    replayValues: r.array(a.replayValues, `${path}.replayValues`).map((v, k) => r.number(v, `${path}.replayValues[${k}]`)),
    replayMean: r.number(a.replayMean, `${path}.replayMean`),
    replayInterval: interval(r, a.replayInterval, `${path}.replayInterval`),
    sim: r.number(a.sim, `${path}.sim`),
    floor: r.number(a.floor, `${path}.floor`),
    error: r.number(a.error, `${path}.error`),
    tolerance: r.number(a.tolerance, `${path}.tolerance`),
    verdict: verdictOf(r, a.verdict, `${path}.verdict`),
  };
}

function group(r: JsonReader, value: unknown, path: string): ValidatedGroup {
  const g = r.object(value, path);
  const priority = g.priority;
  if (priority !== 'high' && priority !== 'low') r.fail(`${path}.priority`, '"high" or "low"');
  const metrics = r.object(g.metrics, `${path}.metrics`);
  return {
    model: r.string(g.model, `${path}.model`),
    priority: priority as Priority,
    metrics: Object.fromEntries(VALIDATION_METRICS.map((m) => [m, assessment(r, metrics[m], `${path}.metrics.${m}`)])) as Record<ValidationMetric, MetricAssessment>,
  };
}

function configuration(r: JsonReader, value: unknown, path: string): ValidatedConfiguration {
  const c = r.object(value, path);
  return {
    name: r.string(c.name, `${path}.name`),
    role: r.string(c.role, `${path}.role`),
    policy: r.string(c.policy, `${path}.policy`),
    load: r.number(c.load, `${path}.load`),
    replicates: r.number(c.replicates, `${path}.replicates`),
    rows: r.array(c.rows, `${path}.rows`).map((g, k) => group(r, g, `${path}.rows[${k}]`)),
  };
}

function validation(r: JsonReader, value: unknown, path: string): ValidationDocument {
  const at = (field: string) => (path === '' ? field : `${path}.${field}`);
  const doc = r.object(value, path === '' ? '(top level)' : path);
  if (doc.kind !== VALIDATION_KIND) r.fail(at('kind'), `"${VALIDATION_KIND}"`);
  const ranks = r.array(doc.ranks, at('ranks')).map((x, k) => r.object(x, at(`ranks[${k}]`)));
  const tauOf = (priority: Priority) => {
    const rank = ranks.find((x) => x.priority === priority && x.load === 'all');
    return rank === undefined ? NaN : r.number(rank.tau, at('ranks[].tau'));
  };
  const verdicts = r.object(doc.verdicts, at('verdicts'));
  const signs = r.object(doc.signs, at('signs'));
  const against = doc.against === undefined ? undefined : r.object(doc.against, at('against'));
  const contrast = against === undefined ? undefined : r.object(against.contrast, at('against.contrast'));
  return {
    campaign: r.string(doc.campaign, at('campaign')),
    profile: r.string(doc.profile, at('profile')),
    simSeeds: r.number(doc.simSeeds, at('simSeeds')),
    configurations: r.array(doc.configurations, at('configurations')).map((c, k) => configuration(r, c, at(`configurations[${k}]`))),
    tau: { high: tauOf('high'), low: tauOf('low') },
    verdicts: { PASS: r.number(verdicts.PASS, at('verdicts.PASS')), FAIL: r.number(verdicts.FAIL, at('verdicts.FAIL')), INCONCLUSIVE: r.number(verdicts.INCONCLUSIVE, at('verdicts.INCONCLUSIVE')) },
    signs: { agree: r.number(signs.agree, at('signs.agree')), disagree: r.number(signs.disagree, at('signs.disagree')) },
    ...(against === undefined || contrast === undefined
      ? {}
      : {
          against: {
            validation: validation(r, against.validation, at('against.validation')),
            profileOnly: r.number(contrast.profileOnly, at('against.contrast.profileOnly')),
            againstOnly: r.number(contrast.againstOnly, at('against.contrast.againstOnly')),
            differ: r.number(r.object(contrast.differ, at('against.contrast.differ')).comparisons, at('against.contrast.differ.comparisons')),
          },
        }),
  };
}

/** Reads a validation file; every missing or mistyped field is one line naming the file and the field. */
export function readValidationFile(file: string): ValidationDocument {
  return validation(new JsonReader(file, HINT), parseJson(readFileSync(file, 'utf8'), file), '');
}

