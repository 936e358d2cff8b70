/**
 * Reports: the spec builders (pure: small hand rows in, Vega-Lite out), the row
 * builders, rendering (SVG, then PNG at twice the size), and `strait report` on a run
 * directory and on a small sweep, including the bad-input cases.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type { TopLevelSpec } from 'vega-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../sim/core/errors.ts';
import { buildReport } from '../reports/build-report.ts';
import { busyShares } from '../reports/data/gpu-utilization-rows.ts';
import { readReportSource } from '../reports/data/report-source.ts';
import { cdfPoints } from '../reports/data/latency-cdf-rows.ts';
import { meanSd } from '../reports/data/sweep-rows.ts';
import { scopeSvgIds } from '../reports/html.ts';
import { PNG_SCALE, renderFigure } from '../reports/render.ts';
import { fairnessVsLoadSpec } from '../reports/specs/fairness-vs-load.ts';
import { gpuUtilizationSpec } from '../reports/specs/gpu-utilization.ts';
import { latencyCdfSpec } from '../reports/specs/latency-cdf.ts';
import { predictorErrorOverTimeSpec } from '../reports/specs/predictor-error-over-time.ts';
import { predictorScatterSpec } from '../reports/specs/predictor-scatter.ts';
import { tradeoffSpec } from '../reports/specs/tradeoff.ts';
import { violationVsLoadSpec, type ViolationVsLoadRow } from '../reports/specs/violation-vs-load.ts';
import { textWidth } from '../reports/text-metrics.ts';
import { reportCommand } from '../scripts/cli/report-command.ts';
import { reportScenario, writeRun, writeSweep } from './report-fixtures.ts';
import { strait } from './strait-cli.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';
import { markType, units, type Json } from './spec-units.ts';

/** Simulations, rendering and a CLI child process: a limit for a hang, sized for a busy machine. */
const TIMEOUT = CHILD_LIMIT_MS;

// ---- helpers over specs ----------------------------------------------------------

/** Titles of the x and y channels over all units (the first unit that titles each). */
function axisTitles(spec: TopLevelSpec): { x: string; y: string } {
  const titles = { x: '', y: '' };
  for (const unit of units(spec as unknown as Json)) {
    const encoding = (unit.encoding ?? {}) as Record<string, Json>;
    for (const axis of ['x', 'y'] as const) {
      const title = encoding[axis]?.title;
      if (titles[axis] === '' && typeof title === 'string') titles[axis] = title;
    }
  }
  return titles;
}

function legendTitles(spec: TopLevelSpec): string[] {
  const titles = new Set<string>();
  for (const unit of units(spec as unknown as Json)) {
    const encoding = (unit.encoding ?? {}) as Record<string, Json>;
    for (const channel of ['color', 'shape', 'size']) {
      const title = encoding[channel]?.title;
      if (typeof title === 'string') titles.add(title);
    }
  }
  return [...titles];
}

/** A unit in parentheses: "(ms)", "(%)", "(× capacity)", "(ms, log scale)". */
const UNIT = /\((ms|s|%|× capacity)(, log scale)?\)/;

function expectFigureBasics(spec: TopLevelSpec, titleWithUnit: { x: boolean; y: boolean }): void {
  const json = spec as unknown as Json;
  const config = json.config as Json;
  expect(config.font).toMatch(/^DejaVu Sans, .*sans-serif$/);
  expect((config.axis as Json).labelFontSize).toBeGreaterThanOrEqual(12);
  expect((config.axis as Json).titleFontSize).toBeGreaterThanOrEqual(12);
  expect((config.legend as Json).labelFontSize).toBeGreaterThanOrEqual(12);
  const sized = (json.spec as Json | undefined) ?? json;
  expect(sized.width).toBeTypeOf('number');
  expect(sized.height).toBeTypeOf('number');
  expect(json.title).toMatchObject({ text: expect.any(String) });
  const titles = axisTitles(spec);
  expect(titles.x).not.toBe('');
  expect(titles.y).not.toBe('');
  if (titleWithUnit.x) expect(titles.x).toMatch(UNIT);
  if (titleWithUnit.y) expect(titles.y).toMatch(UNIT);
}

// ---- spec builders -----------------------------------------------------------------

const SERIES = { series: ['fifo', 'strait'], seriesTitle: 'Policy' };

const VIOLATIONS: ViolationVsLoadRow[] = (['fifo', 'strait'] as const).flatMap((series) =>
  (['high', 'low'] as const).flatMap((priority) =>
    [0.5, 1].map((load) => ({ series, priority, load, meanPct: 10 * load, lowPct: 8 * load, highPct: 12 * load, seeds: 3 })),
  ),
);

describe('spec builders', () => {
  it('violation rate vs load: one panel per class, error bars over seeds, units on both axes', () => {
    const spec = violationVsLoadSpec(VIOLATIONS, { title: 'Violations', ...SERIES });
    expectFigureBasics(spec, { x: true, y: true });
    const json = spec as unknown as Json;
    const facet = json.facet as { column: Json };
    expect(facet.column.field).toBe('class');
    expect(facet.column.sort).toEqual(['High priority', 'Low priority']);
    const values = (json.data as { values: Json[] }).values;
    expect(new Set(values.map((v) => v.class))).toEqual(new Set(['High priority', 'Low priority']));
    const marks = units(json).map(markType);
    expect(marks).toEqual(['errorbar', 'line', 'point']);
    const errorbar = units(json)[0].encoding as Record<string, Json>;
    expect(errorbar.y.field).toBe('lowPct');
    expect(errorbar.y2.field).toBe('highPct');
    expect(axisTitles(spec)).toEqual({ x: 'Load (× capacity)', y: 'Deadline violations (%)' });
    expect(legendTitles(spec)).toEqual(['Policy']);
    // Colours follow the given series order, so a policy keeps its colour across figures.
    expect((errorbar.color.scale as Json).domain).toEqual(['fifo', 'strait']);
    // Ticks at the swept loads.
    expect(((units(json)[0].encoding as Record<string, Json>).x.axis as Json).values).toEqual([0.5, 1]);
  });

  it('latency CDF: one panel per class, one curve per series, log latency axis in ms, share axis 0..1', () => {
    const rows = (['fifo', 'strait'] as const).flatMap((series) =>
      (['high', 'low'] as const).flatMap((priority) => [1, 10, 100].map((latencyMs, i) => ({ series, priority, latencyMs, fraction: (i + 1) / 3 }))),
    );
    const spec = latencyCdfSpec(rows, { title: 'CDF', ...SERIES });
    expectFigureBasics(spec, { x: true, y: false });
    const json = spec as unknown as Json;
    expect((json.facet as { column: Json }).column.field).toBe('class');
    const encoding = units(json)[0].encoding as Record<string, Json>;
    expect((encoding.x.scale as Json).type).toBe('log');
    expect(encoding.x.title).toBe('Latency (ms, log scale)');
    expect((encoding.y.scale as Json).domain).toEqual([0, 1]);
    expect((encoding.y.axis as Json).format).toBe('.0%');
    expect(encoding.color.field).toBe('series');
  });

  it('trade-off: high against low violations, one point per series and load, sized by load', () => {
    const rows = [
      { series: 'fifo', load: 0.5, highPct: 1, lowPct: 2, seeds: 2 },
      { series: 'fifo', load: 1, highPct: 20, lowPct: 30, seeds: 2 },
      { series: 'strait', load: 0.5, highPct: 0.5, lowPct: 3, seeds: 2 },
      { series: 'strait', load: 1, highPct: 2, lowPct: 40, seeds: 2 },
    ];
    const spec = tradeoffSpec(rows, { title: 'Trade-off', ...SERIES });
    expectFigureBasics(spec, { x: true, y: true });
    expect(axisTitles(spec)).toEqual({ x: 'Low-priority violations (%)', y: 'High-priority violations (%)' });
    const [line, point] = units(spec as unknown as Json);
    expect(markType(line)).toBe('line');
    expect(((line.encoding as Record<string, Json>).order as Json).field).toBe('load');
    const encoding = point.encoding as Record<string, Json>;
    expect(encoding.size.field).toBe('load');
    expect((encoding.size.legend as Json).values).toEqual([0.5, 1]);
    expect(legendTitles(spec).sort()).toEqual(['Load (× capacity)', 'Policy']);
    expect(((spec as unknown as Json).data as { values: unknown[] }).values).toHaveLength(4);
  });

  it('fairness vs load: error bars over seeds, load axis with units', () => {
    const rows = [
      { series: 'fifo', load: 0.5, mean: 0.99, low: 0.98, high: 1, seeds: 3 },
      { series: 'fifo', load: 1, mean: 0.8, low: 0.75, high: 0.85, seeds: 3 },
    ];
    const spec = fairnessVsLoadSpec(rows, { title: 'Fairness', ...SERIES });
    expectFigureBasics(spec, { x: true, y: false });
    expect(axisTitles(spec).y).toBe("Jain's fairness index");
    const marks = units(spec as unknown as Json).map(markType);
    expect(marks).toContain('errorbar');
    const errorbar = units(spec as unknown as Json).find((u) => markType(u) === 'errorbar')!.encoding as Record<string, Json>;
    expect([errorbar.y.field, errorbar.y2.field]).toEqual(['low', 'high']);
  });

  it('predictor scatter: log-log in ms on one square domain, with the y = x line', () => {
    const rows = [
      { priority: 'high' as const, observedMs: 2, predictedMs: 1 },
      { priority: 'low' as const, observedMs: 50, predictedMs: 80 },
    ];
    const spec = predictorScatterSpec(rows, { title: 'Scatter' });
    expectFigureBasics(spec, { x: true, y: true });
    const json = spec as unknown as Json;
    expect(json.width).toBe(json.height);
    const [diagonal, points] = units(json);
    const values = (diagonal.data as { values: { v: number }[] }).values;
    expect(values.map((p) => p.v)).toEqual([1 / 1.25, 80 * 1.25]);
    const encoding = points.encoding as Record<string, Json>;
    expect(encoding.x.title).toBe('Observed execution time (ms, log scale)');
    expect(encoding.y.title).toBe('Predicted execution time (ms, log scale)');
    expect((encoding.x.scale as Json).type).toBe('log');
    expect((encoding.x.scale as Json).domain).toEqual((encoding.y.scale as Json).domain);
    expect(encoding.color.title).toBe('Priority class');
  });

  it('predictor error over time: seconds against MAPE percent, one line per predictor', () => {
    const rows = [
      { predictor: 'adaptive', timeS: 0.05, mapePct: 30, samples: 10 },
      { predictor: 'solo', timeS: 0.05, mapePct: 50, samples: 10 },
    ];
    const spec = predictorErrorOverTimeSpec(rows, { title: 'Error', predictors: ['adaptive', 'solo'] });
    expectFigureBasics(spec, { x: true, y: true });
    expect(axisTitles(spec)).toEqual({ x: 'Simulated time (s)', y: 'Execution-time error, MAPE (%)' });
    expect(legendTitles(spec)).toEqual(['Predictor']);
  });

  it('GPU utilization: busy percent 0..100 over seconds, one line per GPU, last bin drawn to its end', () => {
    const rows = [
      { gpu: 'gpu0', startS: 0, endS: 1, busyPct: 50 },
      { gpu: 'gpu0', startS: 1, endS: 2, busyPct: 100 },
      { gpu: 'gpu1', startS: 0, endS: 1, busyPct: 20 },
      { gpu: 'gpu1', startS: 1, endS: 2, busyPct: 0 },
    ];
    const spec = gpuUtilizationSpec(rows, { title: 'GPU', gpus: ['gpu0', 'gpu1'] });
    expectFigureBasics(spec, { x: true, y: true });
    const json = spec as unknown as Json;
    const encoding = json.encoding as Record<string, Json>;
    expect((encoding.y.scale as Json).domain).toEqual([0, 100]);
    expect(encoding.color.title).toBe('GPU');
    const values = (json.data as { values: { gpu: string; startS: number; busyPct: number }[] }).values;
    expect(values.filter((v) => v.startS === 2)).toEqual([expect.objectContaining({ gpu: 'gpu0', busyPct: 100 }), expect.objectContaining({ gpu: 'gpu1', busyPct: 0 })]);
  });

  it('does not change the rows it is given', () => {
    const rows = structuredClone(VIOLATIONS);
    violationVsLoadSpec(rows, { title: 'x', ...SERIES });
    expect(rows).toEqual(VIOLATIONS);
  });
});

// ---- rows ----------------------------------------------------------------------------

describe('rows from runs', () => {
  it('cdfPoints keeps first and last, at most maxPoints + 1 points, rising to completed / total', () => {
    const sorted = Float64Array.from({ length: 10_000 }, (_, i) => i + 1);
    const points = cdfPoints(sorted, 12_500, 300);
    expect(points.length).toBeLessThanOrEqual(301);
    expect(points[0]).toEqual({ latencyMs: 1, fraction: 1 / 12_500 });
    expect(points.at(-1)).toEqual({ latencyMs: 10_000, fraction: 0.8 });
    for (let i = 1; i < points.length; i++) {
      expect(points[i].latencyMs).toBeGreaterThan(points[i - 1].latencyMs);
      expect(points[i].fraction).toBeGreaterThan(points[i - 1].fraction);
    }
    expect(cdfPoints([5, 7], 2)).toEqual([{ latencyMs: 5, fraction: 0.5 }, { latencyMs: 7, fraction: 1 }]);
    expect(cdfPoints([], 10)).toEqual([]);
  });

  it('busyShares is the union of overlapping intervals, per bin', () => {
    // [0, 5] and [3, 8] overlap (union [0, 8]); [20, 30] fills bin 2; [35, 45] runs past the horizon.
    const shares = busyShares(Float64Array.from([20, 0, 3, 35]), Float64Array.from([30, 5, 8, 45]), 40, 4);
    expect([...shares]).toEqual([0.8, 0, 1, 0.5]);
    // Touching intervals merge; an interval spanning bins splits across them.
    expect([...busyShares(Float64Array.from([0, 5]), Float64Array.from([5, 15]), 20, 2)]).toEqual([1, 0.5]);
  });

  it('meanSd is the mean and the sample standard deviation', () => {
    expect(meanSd([1, 2, 3])).toEqual({ mean: 2, sd: 1 });
    expect(meanSd([4])).toEqual({ mean: 4, sd: 0 });
  });

  it('text widths are DejaVu Sans advance widths (bold wider)', () => {
    expect(textWidth('0', 2048)).toBe(1303);
    expect(textWidth('ab', 10)).toBeCloseTo(((1255 + 1300) * 10) / 2048, 6);
    expect(textWidth('High priority', 14, 'bold')).toBeGreaterThan(textWidth('High priority', 14));
  });
});

// ---- rendering -----------------------------------------------------------------------

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe('render', () => {
  it('renders a spec to a non-empty SVG and a PNG at twice its size', async () => {
    const rendered = await renderFigure(violationVsLoadSpec(VIOLATIONS, { title: 'Violations vs load', ...SERIES }));
    expect(rendered.svg).toMatch(/^<svg [^>]*width="\d+(\.\d+)?" height="\d+(\.\d+)?"/);
    expect(rendered.svg).toContain('High priority');
    expect(rendered.svg).toContain('Low priority');
    expect(rendered.svg).toContain('Deadline violations (%)');
    expect(rendered.svg).toContain('font-family="DejaVu Sans');
    // One column header per class.
    expect(rendered.svg.match(/<text[^>]*>(High|Low) priority<\/text>/g)).toHaveLength(2);
    expect(rendered.width).toBeGreaterThan(600);
    expect(rendered.height).toBeGreaterThan(250);
    expect([...rendered.png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(pngSize(rendered.png)).toEqual({ width: Math.round(PNG_SCALE * rendered.width), height: Math.round(PNG_SCALE * rendered.height) });
    expect(rendered.png.length).toBeGreaterThan(10_000);
  });

  it('scopes SVG ids so that several inline SVGs keep their own clip paths', () => {
    const svg = '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"></g></svg>';
    expect(scopeSvgIds(svg, 'fig2')).toBe('<svg><defs><clipPath id="fig2-clip1"><rect/></clipPath></defs><g clip-path="url(#fig2-clip1)"></g></svg>');
  });
});

// ---- strait report ---------------------------------------------------------------------

const RUN_FIGURES = ['latency-cdf', 'predictor-scatter', 'predictor-error-over-time', 'gpu-utilization'];
const SWEEP_FIGURES = ['violation-vs-load', 'latency-cdf', 'tradeoff', 'fairness-vs-load', 'predictor-scatter', 'predictor-error-over-time', 'gpu-utilization'];
const SWEEP_GRID = { policies: ['fifo', 'strait'], predictors: ['adaptive'], loads: [0.7, 1.2], seeds: [1, 2] };

let dir = '';
const file = (...parts: string[]) => join(dir, ...parts);
const quiet = async <T>(work: () => Promise<T>): Promise<T> => {
  // reportCommand prints a figure list and a "wrote" line; keep the test output clean.
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await work();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
};

let runReport: Awaited<ReturnType<typeof reportCommand>>;
let sweepReport: Awaited<ReturnType<typeof reportCommand>>;
/** The one CLI call (a process start costs seconds): started first, awaited by its test. */
let noRunsCli: ReturnType<typeof strait>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strait-reports-'));
  mkdirSync(file('empty'));
  noRunsCli = strait(['report', file('empty'), '--out', file('empty-report')]);
  await writeRun(file('run'), reportScenario(), { policy: 'strait' }, ['solo', 'static']);
  await writeSweep(file('sweep'), SWEEP_GRID);
  runReport = await quiet(() => reportCommand(file('run'), { out: file('run-report') }));
  sweepReport = await quiet(() => reportCommand(file('sweep'), { out: file('sweep-report') }));
}, TIMEOUT);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function expectReportFiles(out: string, figures: readonly string[]): string {
  const files = readdirSync(out).sort();
  expect(files).toEqual([...figures.flatMap((f) => [`${f}.png`, `${f}.svg`, `${f}.vl.json`]), 'index.html'].sort());
  for (const figure of figures) {
    const spec = JSON.parse(readFileSync(join(out, `${figure}.vl.json`), 'utf8'));
    expect(spec.$schema).toMatch(/vega-lite\/v5/);
    expect(readFileSync(join(out, `${figure}.svg`), 'utf8')).toMatch(/^<svg /);
    const png = readFileSync(join(out, `${figure}.png`));
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  }
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  for (const [i, figure] of figures.entries()) {
    expect(html).toContain(`<figure class="figure" id="fig-${figure}">`);
    expect(html).toContain(`Figure ${i + 1}.`);
  }
  expect(html.match(/<svg /g)).toHaveLength(figures.length);
  // Self-contained: no scripts, stylesheets, images or fonts from anywhere else.
  expect(html).not.toMatch(/<script|<link |<img |@import|(src|href)="(https?:)?\/\/|url\((['"]?)(https?:)?\/\//i);
  // Ids stay unique across the inline SVGs.
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(ids).size).toBe(ids.length);
  expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  return html;
}

describe('strait report on a run directory', () => {
  it('writes the per-run figures (spec, SVG, PNG) and index.html with every figure and the summary tables', () => {
    expect(runReport.report.figures.map((f) => f.name)).toEqual(RUN_FIGURES);
    const html = expectReportFiles(file('run-report'), RUN_FIGURES);
    expect(html).toContain('Outcomes and latency per priority class');
    expect(html).toContain('Predictor error');
    for (const predictor of ['strait', 'adaptive', 'solo', 'static']) expect(html).toContain(predictor);
    const summary = JSON.parse(readFileSync(file('run', 'summary.json'), 'utf8'));
    expect(html).toContain(summary.classes.high.count.toLocaleString('en-US'));
  });

  it('latency CDF curves end at each class\u2019s completed share of its requests', () => {
    const summary = JSON.parse(readFileSync(file('run', 'summary.json'), 'utf8'));
    const spec = JSON.parse(readFileSync(file('run-report', 'latency-cdf.vl.json'), 'utf8'));
    for (const priority of ['high', 'low']) {
      const c = summary.classes[priority];
      const curve = spec.data.values.filter((v: Json) => v.priority === priority);
      expect(curve.length).toBeGreaterThan(10);
      expect(curve.length).toBeLessThanOrEqual(301);
      expect(curve.at(-1).fraction).toBeCloseTo((c.met + c.late) / c.count, 12);
      expect(curve.at(-1).latencyMs).toBeGreaterThanOrEqual(c.latencyMs.p99);
    }
  });

  it('predictor scatter holds at most 2000 scored requests; error over time shows every evaluated predictor', () => {
    const scatter = JSON.parse(readFileSync(file('run-report', 'predictor-scatter.vl.json'), 'utf8'));
    const points = scatter.layer[1].data.values as Json[];
    expect(points.length).toBeGreaterThan(100);
    expect(points.length).toBeLessThanOrEqual(2000);
    const overTime = JSON.parse(readFileSync(file('run-report', 'predictor-error-over-time.vl.json'), 'utf8'));
    expect(new Set(overTime.data.values.map((v: Json) => v.predictor))).toEqual(new Set(['adaptive', 'solo', 'static']));
  });

  it('GPU utilization over time averages to each GPU\u2019s run-wide utilization', () => {
    const summary = JSON.parse(readFileSync(file('run', 'summary.json'), 'utf8'));
    const spec = JSON.parse(readFileSync(file('run-report', 'gpu-utilization.vl.json'), 'utf8'));
    const table = tableFromIPC(readFileSync(file('run', 'requests.arrow')));
    expect(table.numRows).toBe(summary.requests);
    for (const gpu of summary.gpus) {
      const bins = spec.data.values.filter((v: Json) => v.gpu === gpu.id);
      expect(bins.length).toBe(101); // 100 bins and the closing step
      const mean = bins.slice(0, 100).reduce((s: number, v: Json) => s + (v.busyPct as number), 0) / 100;
      // The summary counts time with a kernel phase active; without preemption that is
      // exactly the union of the execution intervals.
      expect(mean / 100).toBeCloseTo(gpu.utilization, 9);
    }
  });

  it('replaces an earlier report in place and leaves no temporary directory', async () => {
    writeFileSync(file('run-report', 'index.html'), 'old\n');
    await quiet(() => reportCommand(file('run'), { out: file('run-report') }));
    expect(readFileSync(file('run-report', 'index.html'), 'utf8')).not.toBe('old\n');
    expect(readdirSync(dir).filter((name) => name.includes('.tmp-') || name.endsWith('.lock'))).toEqual([]);
  }, TIMEOUT);

  it('refuses to replace a report that also holds files it did not write, and deletes none', async () => {
    const before = readdirSync(file('run-report')).sort();
    writeFileSync(file('run-report', 'notes.txt'), 'mine\n');
    writeFileSync(file('run-report', 'photo.png'), 'mine too\n'); // a PNG, but of no figure
    expect(await inputError(() => reportCommand(file('run'), { out: file('run-report') }))).toBe(
      `${file('run-report')}: the report directory there also holds files strait did not write (notes.txt, photo.png); move them away or choose another --out`,
    );
    expect(readdirSync(file('run-report')).sort()).toEqual([...before, 'notes.txt', 'photo.png'].sort());
    rmSync(file('run-report', 'notes.txt'));
    rmSync(file('run-report', 'photo.png'));
  }, TIMEOUT);
});

describe('strait report on a sweep', () => {
  it('writes every figure, vs-load figures included, and index.html with the sweep tables', () => {
    expect(sweepReport.report.figures.map((f) => f.name)).toEqual(SWEEP_FIGURES);
    const html = expectReportFiles(file('sweep-report'), SWEEP_FIGURES);
    expect(html).toContain('Sweep points (mean ± standard deviation over seeds)');
    expect(html).toContain('Every run');
    for (const policy of SWEEP_GRID.policies) {
      for (const load of SWEEP_GRID.loads) for (const seed of SWEEP_GRID.seeds) expect(html).toContain(`${policy}__adaptive__load${load}__seed${seed}`);
    }
  });

  it('aggregates over seeds: violation rows are the mean of the runs\u2019 summaries', () => {
    const spec = JSON.parse(readFileSync(file('sweep-report', 'violation-vs-load.vl.json'), 'utf8'));
    expect(spec.data.values).toHaveLength(SWEEP_GRID.policies.length * SWEEP_GRID.loads.length * 2);
    const rate = (seed: number) =>
      JSON.parse(readFileSync(file('sweep', 'runs', `fifo__adaptive__load1.2__seed${seed}`, 'summary.json'), 'utf8')).classes.high.violationRate;
    const row = spec.data.values.find((v: Json) => v.series === 'fifo' && v.load === 1.2 && v.priority === 'high');
    expect(row.meanPct).toBeCloseTo((100 * (rate(1) + rate(2))) / 2, 10);
    expect(row.seeds).toBe(2);
    expect(row.lowPct).toBeLessThanOrEqual(row.meanPct);
    expect(row.highPct).toBeGreaterThanOrEqual(row.meanPct);
  });

  it('shows the per-run figures of the representative run (highest load, strait), or of the one chosen with --run', async () => {
    expect(sweepReport.report.subtitle).toContain('Per-run figures: strait__adaptive__load1.2__seed1.');
    const cdf = JSON.parse(readFileSync(file('sweep-report', 'latency-cdf.vl.json'), 'utf8'));
    expect(new Set(cdf.data.values.map((v: Json) => v.series))).toEqual(new Set(['fifo', 'strait']));
    // The choice is made while building the report: no need to render it again.
    const chosen = await buildReport(readReportSource(file('sweep')), { run: 'fifo__adaptive__load0.7__seed2' });
    expect(chosen.subtitle).toContain('Per-run figures: fifo__adaptive__load0.7__seed2.');
    expect(chosen.figures.find((f) => f.name === 'gpu-utilization')!.caption).toContain('policy fifo · predictor adaptive · load 0.7 · seed 2');
  }, TIMEOUT);
});

// ---- bad input --------------------------------------------------------------------------

async function inputError(work: () => Promise<unknown>): Promise<string> {
  try {
    await quiet(work);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('strait report: bad input', () => {
  it('a directory with no runs: one clear line, exit 2, nothing written', async () => {
    const empty = file('empty');
    const result = await noRunsCli;
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`strait: ${empty}: no run directories found (expected summary.json or a sweep's runs/)\n`);
    expect(existsSync(file('empty-report'))).toBe(false);
  }, TIMEOUT);

  it('a sweep whose runs/ holds no finished run, and a missing directory', async () => {
    mkdirSync(file('unfinished', 'runs', 'fifo__solo__load1__seed1.tmp-123'), { recursive: true });
    expect(await inputError(() => reportCommand(file('unfinished'), { out: file('x') }))).toBe(
      `${file('unfinished')}: no run directories found (expected summary.json or a sweep's runs/)`,
    );
    expect(await inputError(() => reportCommand(file('nowhere'), { out: file('x') }))).toBe(`${file('nowhere')}: no such file or directory; expected a run directory, a sweep directory or a validation file`);
    expect(existsSync(file('x'))).toBe(false);
  });

  it('a broken summary.json or a missing requests.arrow names the file and what was expected', async () => {
    mkdirSync(file('broken'));
    writeFileSync(file('broken', 'summary.json'), '{"policy": "fifo"');
    expect(await inputError(() => reportCommand(file('broken'), { out: file('x') }))).toMatch(/broken\/summary\.json: invalid JSON at line 1, column 18/);
    writeFileSync(file('broken', 'summary.json'), JSON.stringify({ policy: 'fifo', predictor: 'solo', seed: 1, load: 1 }));
    expect(await inputError(() => reportCommand(file('broken'), { out: file('x') }))).toBe(
      `${file('broken', 'summary.json')}: classes: expected an object (is this a strait run directory?)`,
    );
    mkdirSync(file('no-records'));
    writeFileSync(file('no-records', 'summary.json'), readFileSync(file('run', 'summary.json')));
    expect(await inputError(() => reportCommand(file('no-records'), { out: file('x') }))).toBe(
      `${file('no-records', 'requests.arrow')}: no such file; a run directory holds summary.json and requests.arrow`,
    );
    expect(existsSync(file('x'))).toBe(false);
  });

  it('refuses an --out that is not a report directory, an unknown --run, and --run on a single run', async () => {
    expect(await inputError(() => reportCommand(file('sweep'), { out: file('run') }))).toBe(
      `${file('run')}: exists and is not a report directory (no index.html); choose another --out`,
    );
    expect(await inputError(() => reportCommand(file('sweep'), { out: file('y'), run: 'nope' }))).toMatch(
      /^--run: expected the name of a run directory under the sweep's runs\/ \(fifo__adaptive__load0\.7__seed1, .*\), got "nope"$/,
    );
    expect(await inputError(() => reportCommand(file('run'), { out: file('y'), run: 'x' }))).toMatch(/^--run: only for a sweep directory/);
    expect(await inputError(() => reportCommand(file('sweep'), { out: file('sweep') }))).toMatch(/would replace the directory being reported/);
    expect(existsSync(file('y'))).toBe(false);
    expect(existsSync(file('run', 'summary.json'))).toBe(true);
  });
});
