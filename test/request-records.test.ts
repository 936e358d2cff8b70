import { describe, expect, it } from 'vitest';
import { RequestRecords, StagedRows } from '../sim/metrics/request-records.ts';
import { Request } from '../sim/model/request.ts';
import { modelProfile } from './helpers.ts';

const MODELS = { a: modelProfile({ name: 'a' }), b: modelProfile({ name: 'b' }) };

/** A finished request whose every recorded field is a function of k, so rows can be checked. */
function finished(k: number): Request {
  const model = k % 3 === 0 ? MODELS.a : MODELS.b;
  const r = new Request(k, k + 0.25, model, 1 + (k % 4), k % 5 === 0 ? 'high' : 'low', k + 100.5, 0, 0, 1);
  r.gpu = k % 7;
  r.preemptions = k % 2;
  r.dispatchedAt = k + 1.5;
  r.transferInStart = k + 2.5;
  r.transferInEnd = k + 3.5;
  r.executionStart = k + 4.5;
  r.executionEnd = k + 5.5;
  r.transferOutStart = k + 6.5;
  r.completedAt = k + 7.5;
  r.predictedTransferMs = k + 8.5;
  r.predictedExecutionMs = k + 9.5;
  r.predictedCompletion = k + 10.5;
  r.state = 'done';
  return r;
}

function expectRows(records: RequestRecords, first: number, count: number): void {
  expect(records.length).toBe(count);
  const ks = Array.from({ length: count }, (_, i) => first + i);
  expect(Array.from(records.id.view())).toEqual(ks);
  expect(Array.from(records.model.view())).toEqual(ks.map((k) => records.models.indexOf(k % 3 === 0 ? 'a' : 'b')));
  expect(Array.from(records.batch.view())).toEqual(ks.map((k) => 1 + (k % 4)));
  expect(Array.from(records.priority.view())).toEqual(ks.map((k) => (k % 5 === 0 ? 0 : 1)));
  expect(Array.from(records.gpu.view())).toEqual(ks.map((k) => k % 7));
  expect(Array.from(records.preemptions.view())).toEqual(ks.map((k) => k % 2));
  expect(Array.from(records.arrival.view())).toEqual(ks.map((k) => k + 0.25));
  expect(Array.from(records.deadline.view())).toEqual(ks.map((k) => k + 100.5));
  expect(Array.from(records.dispatched.view())).toEqual(ks.map((k) => k + 1.5));
  expect(Array.from(records.executionEnd.view())).toEqual(ks.map((k) => k + 5.5));
  expect(Array.from(records.completed.view())).toEqual(ks.map((k) => k + 7.5));
  expect(Array.from(records.latency.view())).toEqual(ks.map(() => 7.25));
  expect(Array.from(records.soloLatency.view())).toEqual(ks.map((k) => k / 2));
  expect(Array.from(records.predictedCompletion.view())).toEqual(ks.map((k) => k + 10.5));
}

describe('RequestRecords', () => {
  it('keeps every row in order across staged blocks, growth, views taken mid-block and clears', () => {
    const records = new RequestRecords();
    let k = 0;
    // Past the initial capacity (1,024 rows) and many staging blocks, with a view in between.
    for (; k < 1500; k++) records.add(finished(k), k / 2);
    expectRows(records, 0, 1500);
    for (; k < 3001; k++) records.add(finished(k), k / 2);
    expectRows(records, 0, 3001);
    for (; k < 3100; k++) records.add(finished(k), k / 2); // staged, never viewed: clear() drops them too
    records.clear();
    expect(records.length).toBe(0);
    for (; k < 3300; k++) records.add(finished(k), k / 2);
    expectRows(records, 3100, 200);
  });

  it('counts staged rows in its length before any view', () => {
    const records = new RequestRecords();
    records.reserve(10);
    for (let k = 0; k < 5; k++) records.add(finished(k), 1);
    expect(records.length).toBe(5);
    expect(records.outcome.view().length).toBe(5);
  });
});

describe('StagedRows', () => {
  // A 32 KB, 8-way L1 of 64-byte lines has 64 sets, picked by bits 6-11 of the address:
  // columns laid back to back 1 or 2 KB apart put a row's lines in 4 or 2 sets.
  const setOf = (view: Float64Array | Int32Array, row: number) => Math.floor((view.byteOffset + row * view.BYTES_PER_ELEMENT) / 64) % 64;

  it("puts one row's values of different columns in different cache sets", () => {
    const staged = new StagedRows();
    for (const views of [staged.floatViews, staged.intViews]) {
      for (const row of [0, 1, 100, 255]) {
        const sets = views.map((view) => setOf(view, row));
        expect(new Set(sets).size).toBe(views.length);
      }
    }
  });

  it('gives each column its own rows, none overlapping another column', () => {
    const staged = new StagedRows();
    const views = [...staged.intViews, ...staged.floatViews];
    views.forEach((view, c) => view.fill(c + 1));
    views.forEach((view, c) => expect(view.every((value) => value === c + 1)).toBe(true));
  });
});

describe('runScenario without its records (keepRecords: false)', () => {
  it('gives the same summary as a run that keeps every record, and no records', async () => {
    const { runScenario } = await import('../scenarios/run-scenario.ts');
    const { benchScenario } = await import('../scripts/bench-scenario.ts');
    // More requests than one batch (65,536), so batches are dropped and their buffers reused.
    const scenario = benchScenario({ requests: 70_000, gpus: 8, seed: 3, policy: 'fifo', load: 0.85 });
    const kept = await runScenario(scenario);
    const dropped = await runScenario(scenario, { keepRecords: false });
    expect(kept.records.length).toBe(70_000);
    expect(dropped.records.length).toBe(0);
    expect(JSON.stringify(dropped.summary)).toBe(JSON.stringify(kept.summary));
    expect(dropped.result).toEqual(kept.result);
  });
});

describe('RunRecorder sized for a run of known length', () => {
  it('accepts a length no typed array can hold (a trace scenario may ask for more requests than it has)', async () => {
    const { RunRecorder } = await import('../sim/metrics/run-recorder.ts');
    const { mmcCluster } = await import('../scripts/bench-mmc.ts');
    expect(() => new RunRecorder(mmcCluster(1), { expectedRequests: 1e10, onRecords: () => {} })).not.toThrow(); // streamed
    expect(() => new RunRecorder(mmcCluster(1), { expectedRequests: 1e10 })).not.toThrow(); // in memory
  });
});
