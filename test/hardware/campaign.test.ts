/**
 * Real-device checks of the validation campaign (not part of `npm test`: run with
 * `npm run test:hardware`). A small campaign on this machine's CPU (wasm), then
 * calibrate and validate on it. Nothing here asserts a timing or a fitted value: only
 * that the pieces run end to end, that verdicts are one of the three, and that a
 * profile with interference switched off does not pass.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const strait = (args: string[]) => spawnSync(process.execPath, ['scripts/strait.js', ...args], { encoding: 'utf8', timeout: 600_000 });

describe('a real campaign', () => {
  it('records, calibrates and validates; a profile without interference does not PASS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strait-campaign-'));
    const plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({
      scenario: 'replay-cpu', replicates: 3, requests: 40, backend: { backend: 'wasm', warmup: 1 },
      configurations: ['fifo', 'priority', 'strait'].map((policy) => ({ name: policy, policy, load: 0.6, role: policy === 'fifo' ? 'calibration' : 'heldout' })),
    }));
    const campaign = strait(['campaign', plan, '--out', join(dir, 'c')]);
    expect(campaign.status, campaign.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'c', 'campaign.json'), 'utf8'));
    expect(doc.status).toBe('complete');
    expect(doc.replays.every((r: { probeDrift: number | null }) => r.probeDrift !== null)).toBe(true);

    const calibrate = strait(['calibrate', join(dir, 'c'), '--out', join(dir, 'p.json'), '--accept-poor-fit']);
    expect(calibrate.status, calibrate.stderr).toBe(0);
    const validate = strait(['validate', '--campaign', join(dir, 'c'), '--profile', join(dir, 'p.json'), '--json', '--resamples', '200']);
    expect([0, 1]).toContain(validate.status);
    const result = JSON.parse(validate.stdout);
    for (const c of result.configurations) for (const row of c.rows) for (const m of ['mean', 'p99', 'violations']) expect(['PASS', 'FAIL', 'INCONCLUSIVE']).toContain(row.metrics[m].verdict);

    const wrong = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8'));
    wrong.sharing.interferenceAlpha = 0;
    for (const m of wrong.models) for (const p of m.phases) Object.assign(p, { compute: 0.05, memory: 0, sensitivity: 0 });
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify(wrong));
    const off = JSON.parse(strait(['validate', '--campaign', join(dir, 'c'), '--profile', join(dir, 'wrong.json'), '--json', '--resamples', '200']).stdout);
    const all = off.configurations.flatMap((c: { rows: { metrics: Record<string, { verdict: string }> }[] }) => c.rows.map((r) => r.metrics.mean.verdict));
    expect(all.every((v: string) => v === 'PASS')).toBe(false);
  }, 900_000);
});
