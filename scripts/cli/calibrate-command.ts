import { existsSync } from 'node:fs';
import { writeFileAtomically } from '../../sim/core/atomic-file.ts';
import { CheckFailure, InputError } from '../../sim/core/errors.ts';
import { calibrate } from '../../replay/calibrate.ts';
import { calibrationHealth, calibrationInputs, type CalibrationHealth } from '../../replay/calibration-health.ts';
import { isCampaignDirectory, readCampaign } from '../../replay/campaign-records.ts';
import { readReplayDirectory, type ReplayDirectory } from '../../replay/replay-records.ts';
import { fixed, pct, table } from './format.ts';

export interface CalibrateCommandOptions {
  readonly out?: string;
  readonly json?: boolean;
  /** Write the profile even when the fit is flagged (the problems are still printed and recorded). */
  readonly acceptPoorFit?: boolean;
}

/** A campaign directory gives its calibration-role replays (stable ones); any other directory is one replay. */
function readInputs(dir: string): ReplayDirectory[] {
  process.stderr.write(`reading ${dir}\n`);
  if (!isCampaignDirectory(dir)) return [readReplayDirectory(dir)];
  const campaign = readCampaign(dir, 'calibration');
  if (campaign.configurations.length === 0) throw new InputError(`${dir}: the campaign has no configuration with role "calibration"`);
  for (const c of campaign.configurations) {
    process.stderr.write(`  ${c.configuration.name}: ${c.replays.length} stable replay(s)${c.excluded.length > 0 ? `, replicate(s) ${c.excluded.join(', ')} excluded as unstable` : ''}\n`);
  }
  return campaign.configurations.flatMap((c) => c.replays);
}

function healthLines(health: CalibrationHealth): string[] {
  const fmt = (x: number | null, percent = false) => (x === null || !Number.isFinite(x) ? '-' : percent ? pct(x) : fixed(x, 3));
  const lines = [
    'goodness of fit per parameter group:',
    table(['group', 'R^2', 'MAPE', ''], health.groups.map((g) => [g.group, fmt(g.r2), fmt(g.mape, true), g.note])),
  ];
  const probes = health.inputs.map((i) => `${i.dir}: drift ${i.probeDrift === null ? '-' : `${(100 * i.probeDrift).toFixed(1)}%`}${i.hostLoad?.busy === true ? ', BUSY' : ''}`);
  lines.push(`inputs' device probes (after / before - 1): ${probes.join('; ')}`);
  return lines;
}

/** `strait calibrate`: fits a calibration profile from replay directories. */
export async function calibrateCommand(dirs: string[], options: CalibrateCommandOptions): Promise<void> {
  if (options.out === undefined) throw new InputError('--out: the profile file to write is required');
  const replays = dirs.flatMap(readInputs);
  process.stderr.write(`fitting ${replays.reduce((n, r) => n + r.records.length, 0)} requests from ${replays.length} replay(s)\n`);
  const fitted = calibrate(replays);
  const health = calibrationHealth(fitted.fit, calibrationInputs(replays));
  const refused = health.problems.filter((p) => p.severity === 'refuse');
  const profile = { ...fitted, fit: { ...fitted.fit, health } };
  if (refused.length === 0 || options.acceptPoorFit === true) writeFileAtomically(options.out, JSON.stringify(profile, null, 2) + '\n');
  const { fit } = profile;
  if (options.json) {
    process.stdout.write(JSON.stringify(fit, null, 2) + '\n');
  } else {
    const lines = [
      `calibrated from ${fit.requests} served requests on ${profile.backend} (${profile.device})`,
      '',
      table(
        ['model', 'batch', 'samples', 'alone', 'solo ms', 'work MAPE'],
        fit.execution.map((r) => [r.model, String(r.batch), String(r.samples), String(r.soloSamples), fixed(r.soloMs, 3), pct(r.mape)]),
      ),
      '',
      `sharing: progress rate at concurrency ${fit.rateAtConcurrency.map((r, n) => `${n + 1}: ${fixed(r, 3)}`).join(', ')} ` +
        `(time-sliced efficiency ${fixed(fit.efficiency, 3)}); execution R^2 ${fixed(fit.executionR2, 3)}`,
      `  sharing by pair (victim beside aggressor): measured rate -> spatial law (alpha 1) with the fitted demands`,
      table(
        ['victim', 'beside', 'shared ms', 'measured', 'law'],
        fit.pairs.map((p) => [p.victim, p.aggressor, fixed(p.sharedMs, 0), fixed(p.rate, 3), fixed(p.lawRate, 3)]),
      ),
      `  demands: ${Object.entries(fit.demands).map(([k, d]) => `${k} compute ${fixed(d.compute, 3)} memory ${fixed(d.memory, 3)} sensitivity ${fixed(d.sensitivity, 3)}`).join('; ')}`,
      ...(fit.refinement !== undefined
        ? [`refined by simulating the calibration traces: solo times scaled by ${Object.entries(fit.refinement).map(([k, f]) => `${k} ${fixed(f, 3)}`).join(', ')}`]
        : []),
      `input copies:  ${fixed(profile.link.h2dGBps, 3)} GB/s (bytes R^2 ${fixed(fit.transferIn.r2, 3)}); setup ${fixed(profile.link.setupMs, 3)} ms ` +
        `+ ${fixed(profile.link.busySetupMs, 3)} ms per request executing when it starts (R^2 ${fixed(fit.transferInBusy.r2, 3)}, MAPE ${pct(fit.transferInBusy.mape)}, ${fit.transferInBusy.samples} samples)`,
      `output copies: ${fixed(profile.link.d2hGBps, 3)} GB/s (bytes R^2 ${fixed(fit.transferOut.r2, 3)}); setup ${fixed(profile.link.d2hSetupMs, 3)} ms ` +
        `+ ${fixed(profile.link.d2hBusySetupMs, 3)} ms per request executing when it starts (R^2 ${fixed(fit.transferOutBusy.r2, 3)}, MAPE ${pct(fit.transferOutBusy.mape)}, ${fit.transferOutBusy.samples} samples)`,
      '',
      ...healthLines(health),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  for (const p of health.problems) process.stderr.write(`${p.severity === 'refuse' ? 'CALIBRATION REFUSED' : 'WARNING'} (${p.group}): ${p.message}\n`);
  if (refused.length > 0 && options.acceptPoorFit !== true) {
    throw new CheckFailure(`calibration refused, ${options.out} not written: ${refused.map((p) => p.message).join('; ')} (--accept-poor-fit writes it anyway)`);
  }
  if (refused.length > 0) process.stderr.write(`WARNING: wrote ${options.out} although the fit is flagged (--accept-poor-fit); validation against it measures these problems too\n`);
  else process.stderr.write(`wrote ${options.out}${existsSync(options.out) ? '' : ' (missing?)'}\n`);
}
