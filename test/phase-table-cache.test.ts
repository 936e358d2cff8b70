import { describe, expect, it } from 'vitest';
import { BUILTIN_MODELS } from '../sim/model/builtin-models.ts';
import { PhaseTableCache } from '../sim/model/phase-table-cache.ts';
import { lookupBatch, type ModelProfile } from '../sim/model/profile.ts';

describe('PhaseTableCache', () => {
  // Twelve models asked for in an interleaved order, as the phases of concurrent requests
  // ask (the cache's last-table check misses, and the lookup behind it answers).
  const models: ModelProfile[] = Array.from({ length: 12 }, (_, i) => ({ ...BUILTIN_MODELS[i % BUILTIN_MODELS.length], name: `m${i}` }));
  const batches = [1, 2, 4, 16];

  it("gives each model's table at each batch, the same object every time it is asked again", () => {
    const cache = new PhaseTableCache();
    const first = new Map<string, unknown>();
    for (let round = 0; round < 3; round++) {
      // Every (model, batch) pair once per round, in an order that jumps between models.
      const pairs = models.length * batches.length;
      for (let k = 0; k < pairs; k++) {
        const pair = (k * 29 + round * 11) % pairs; // 29 is prime to 48: a permutation
        const model = models[pair % models.length];
        const batch = batches[Math.floor(pair / models.length)];
        const table = cache.get(model, batch);
        // Phase by phase: solo time, compute, memory, sensitivity (PhaseColumn's order).
        const expected = model.phases.flatMap((p) => [lookupBatch(p.soloMs, batch), lookupBatch(p.compute, batch), lookupBatch(p.memory, batch), p.sensitivity === undefined ? 1 : lookupBatch(p.sensitivity, batch)]);
        expect(Array.from(table.phases)).toEqual(expected);
        const key = `${model.name}@${batch}`;
        if (!first.has(key)) first.set(key, table);
        expect(table).toBe(first.get(key));
      }
    }
    expect(first.size).toBe(models.length * batches.length);
  });
});
