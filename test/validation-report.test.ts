/**
 * The report of a campaign validation: the rows and specs built from a small validation
 * file (test/fixtures/validation, cut from a real campaign's), `strait report` on it,
 * and a broken validation file.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import { readValidationFile } from '../reports/data/validation-file.ts';
import { validationComparisonSpec } from '../reports/specs/validation-comparison.ts';
import { validationTrendSpec } from '../reports/specs/validation-trend.ts';
import { validationComparisonRows, validationReport, validationTrendRows } from '../reports/validation-report.ts';
import { reportCommand } from '../scripts/cli/report-command.ts';
import { ROOT } from './strait-cli.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';
import { markType, units, type Json } from './spec-units.ts';

const FIXTURE = join(ROOT, 'test/fixtures/validation/camp1-small.json');
const doc = readValidationFile(FIXTURE);

/** The data a layer draws: the spec's values that pass the layer's filter on `layer` (or `source`). */
function layerValues(spec: Json, layer: string): Json[] {
  return ((spec.data as { values: Json[] }).values).filter((v) => v.layer === layer);
}

describe('validation figures: rows and specs', () => {
  it('reads the file: configurations, models, both profiles', () => {
    expect(doc.configurations.map((c) => c.name)).toEqual(['fifo-load0.4', 'fifo-load0.7', 'strait-load0.7']);
    expect(doc.against?.validation.profile).toBe('runs/camp1-wrong-profile.json');
    expect(doc.against).toMatchObject({ profileOnly: expect.any(Number), againstOnly: expect.any(Number) });
  });

  it('mean latency: per configuration, model and class, the PASS band is the replicate mean ± max(target, 1.5 N)', () => {
    const rows = validationComparisonRows(doc, 'mean');
    expect(rows).toHaveLength(3 * 2 * 2);
    const fifo = doc.configurations[1].rows.find((g) => g.model === 'all' && g.priority === 'high')!.metrics.mean;
    const row = rows.find((r) => r.configuration === 'fifo-load0.7' && r.model === 'all' && r.priority === 'high')!;
    expect(row).toMatchObject({ replayMean: fifo.replayMean, sim: fifo.sim, verdict: fifo.verdict, replayLow: fifo.replayInterval.low, replayHigh: fifo.replayInterval.high });
    expect(row.bandLow).toBeCloseTo(Math.max(0, fifo.replayMean * (1 - fifo.tolerance)), 10);
    expect(row.bandHigh).toBeCloseTo(fifo.replayMean * (1 + fifo.tolerance), 10);
    expect(row.bandBy).toBe(1.5 * fifo.floor >= fifo.tolerance ? 'noise floor (1.5 N)' : 'target');
    // Both settings of the band occur in the fixture.
    expect(new Set(rows.map((r) => r.bandBy))).toEqual(new Set(['target', 'noise floor (1.5 N)']));
    expect(row.against?.sim).toBe(doc.against!.validation.configurations[1].rows.find((g) => g.model === 'all' && g.priority === 'high')!.metrics.mean.sim);
    // Violations: every model pooled only, the band in percentage points, never below 0.
    const violations = validationComparisonRows(doc, 'violations');
    expect(violations.map((r) => r.model)).toEqual(Array(6).fill('all'));
    for (const r of violations) expect(r.bandLow).toBeGreaterThanOrEqual(0);
  });

  it('the comparison spec: a panel per model and class; band, replicates, interval, mean, and both simulations by verdict', () => {
    const rows = validationComparisonRows(doc, 'p99');
    const spec = validationComparisonSpec(rows, {
      title: 'p99',
      valueTitle: 'p99 latency (ms)',
      configurations: doc.configurations.map((c) => c.name),
      models: ['mobilenet_v2', 'all'],
      profile: 'right.json',
      against: 'wrong.json',
    }) as unknown as Json;
    const facet = spec.facet as { row: Json; column: Json };
    expect(facet.row).toMatchObject({ field: 'model', sort: ['mobilenet_v2', 'all models'] });
    expect(facet.column.field).toBe('class');
    expect(units(spec).map(markType)).toEqual(['bar', 'point', 'errorbar', 'tick', 'point', 'point']);
    const encodings = units(spec).map((u) => u.encoding as Record<string, Json>);
    expect(encodings.every((e) => e.y.title === 'p99 latency (ms)')).toBe(true);
    expect(encodings[0].fill.title).toBe('PASS band set by');
    expect(encodings[4].color.scale).toMatchObject({ domain: ['PASS', 'FAIL', 'INCONCLUSIVE'] });
    expect(encodings[4].shape.scale).toMatchObject({ domain: ['right.json', 'wrong.json'] });
    expect(((units(spec)[5].mark) as Json).filled).toBe(false);
    // Every replicate is drawn, and each simulation once per row.
    expect(layerValues(spec, 'replicate')).toHaveLength(rows.reduce((s, r) => s + r.replayValues.length, 0));
    expect(layerValues(spec, 'sim').map((v) => v.value)).toEqual(rows.map((r) => r.sim));
    expect(layerValues(spec, 'against').map((v) => v.verdict)).toEqual(rows.map((r) => r.against!.verdict));
    expect(spec.resolve).toEqual({ scale: { y: 'independent' } });
    // Deterministic: the same rows give the same spec.
    expect(JSON.stringify(validationComparisonSpec(rows, { title: 'p99', valueTitle: 'p99 latency (ms)', configurations: doc.configurations.map((c) => c.name), models: ['mobilenet_v2', 'all'], profile: 'right.json', against: 'wrong.json' }))).toBe(JSON.stringify(spec));
  });

  it('the trend: replayed violations with their interval, each profile\'s simulation dashed or dotted', () => {
    const rows = validationTrendRows(doc);
    expect(rows).toHaveLength(3 * 2 * 3);
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['replay', 'camp1-profile.json', 'camp1-wrong-profile.json']));
    expect(rows.filter((r) => r.source === 'replay').every((r) => r.lowPct! <= r.pct && r.pct <= r.highPct!)).toBe(true);
    const spec = validationTrendSpec(rows, { title: 't', policies: ['fifo', 'strait'], sources: ['replay', 'camp1-profile.json', 'camp1-wrong-profile.json'] }) as unknown as Json;
    expect(units(spec).map(markType)).toEqual(['errorbar', 'line', 'point']);
    const line = units(spec)[1].encoding as Record<string, Json>;
    expect(line.strokeDash.scale).toMatchObject({ domain: ['replay', 'camp1-profile.json', 'camp1-wrong-profile.json'] });
    // fifo and strait share load 0.7 but are drawn side by side.
    const at = (policy: string) => (spec.data as { values: Json[] }).values.find((v) => v.policy === policy && v.load === 0.7)!.at as number;
    expect(at('fifo')).toBeLessThan(0.7);
    expect(at('strait')).toBeGreaterThan(0.7);
  });

  it('the report: four figures and a verdict table per configuration, with the contrast in its note', () => {
    const report = validationReport(doc, FIXTURE);
    expect(report.figures.map((f) => f.name)).toEqual(['validation-mean', 'validation-p99', 'validation-violations', 'validation-trend']);
    const [table] = report.tables;
    expect(table.rows.map((r) => r[0])).toEqual(['fifo-load0.4', 'fifo-load0.7', 'strait-load0.7']);
    const counts = (row: readonly string[], from: number) => row.slice(from, from + 3).reduce((s, c) => s + Number(c), 0);
    // mean, p99 and violations of 2 models x 2 classes per configuration, for each profile.
    for (const row of table.rows) expect([counts(row, 5), counts(row, 8)]).toEqual([12, 12]);
    expect(table.note).toMatch(/PASS with camp1-profile\.json and FAIL with camp1-wrong-profile\.json/);
  });
});

describe('strait report on a validation file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strait-validation-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const quiet = async <T>(work: () => Promise<T>): Promise<T> => {
    const [out, err] = [process.stdout.write, process.stderr.write];
    process.stdout.write = (() => true) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      return await work();
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
  };

  it('writes each figure as spec, SVG and PNG, and index.html', async () => {
    const out = join(dir, 'report');
    await quiet(() => reportCommand(FIXTURE, { out }));
    const figures = ['validation-mean', 'validation-p99', 'validation-violations', 'validation-trend'];
    expect(readdirSync(out).sort()).toEqual([...figures.flatMap((f) => [`${f}.png`, `${f}.svg`, `${f}.vl.json`]), 'index.html'].sort());
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain('Verdicts per configuration');
  }, CHILD_LIMIT_MS);

  it('a broken validation file: one line naming the file and the field, nothing written', async () => {
    const broken = join(dir, 'broken.json');
    const json = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    delete json.configurations[1].rows[0].metrics.p99.replayInterval;
    writeFileSync(broken, JSON.stringify(json));
    const error = await reportCommand(broken, { out: join(dir, 'x') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`${broken}: configurations[1].rows[0].metrics.p99.replayInterval: expected an object (is this a file written by strait validate --campaign DIR --out FILE?)`);
    writeFileSync(broken, JSON.stringify({ kind: 'strait-run' }));
    expect(((await reportCommand(broken, { out: join(dir, 'x') }).catch((e: unknown) => e)) as Error).message).toMatch(/broken\.json: kind: expected "strait-campaign-validation"/);
    expect(readdirSync(dir).sort()).toEqual(['broken.json', 'report']);
  });
});
