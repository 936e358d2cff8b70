import { existsSync } from 'node:fs';
import { writeFileAtomically } from '../../sim/core/atomic-file.ts';
import { CheckFailure, InputError } from '../../sim/core/errors.ts';
import { readReplayDirectory } from '../../replay/replay-records.ts';
import { VALIDATION_BOUNDS, validate, type LatencyComparison } from '../../replay/validate.ts';
import { fixed, pct, table } from './format.ts';
import { readCampaign } from '../../replay/campaign-records.ts';
import { validateCampaign } from '../../replay/validate-campaign.ts';
import { validateAgainst } from '../../replay/profile-contrast.ts';
import { formatCampaignValidation } from './campaign-validation-format.ts';
import { campaignCheckFailures } from '../../replay/campaign-check.ts';

export interface ValidateCommandOptions {
  readonly replay?: string;
  readonly profile?: string;
  readonly out?: string;
  readonly json?: boolean;
  readonly check?: boolean;
  /** Scale the profile's solo times by the replay's device speed (clean solo executions). */
  readonly rescale?: boolean;
  readonly simSeeds?: number;
  /** A campaign directory (`strait campaign`): replicated replays, noise floor, verdicts and trends. */
  readonly campaign?: string;
  readonly resamples?: number;
  readonly seed?: number;
  /** With --campaign: a second profile (e.g. interference switched off), to see whether the campaign tells the two apart. */
  readonly against?: string;
}

/** `strait validate --campaign DIR`: every configuration of a campaign, against its replicates. */
async function validateCampaignCommand(options: ValidateCommandOptions & { campaign: string; profile: string }): Promise<void> {
  if (options.replay !== undefined) throw new InputError('--campaign and --replay: give one (a campaign holds its own replays)');
  if (options.rescale === true) throw new InputError('--rescale: not with --campaign (the noise floor measures the device\'s drift instead)');
  if (options.against !== undefined && !existsSync(options.against)) throw new InputError(`--against: ${options.against} not found`);
  const campaign = readCampaign(options.campaign);
  const settings = { simSeeds: options.simSeeds, resamples: options.resamples, seed: options.seed, onProgress: (line: string) => process.stderr.write(line + '\n') };
  const result = options.against === undefined ? validateCampaign(campaign, options.profile, settings) : validateAgainst(campaign, options.profile, options.against, settings);
  if (options.out !== undefined) writeFileAtomically(options.out, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write((options.json ? JSON.stringify(result, null, 2) : formatCampaignValidation(result)) + '\n');
  const failures = options.check ? campaignCheckFailures(result) : [];
  if (failures.length > 0) throw new CheckFailure(failures.join('; '));
}

function signedPct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
}

function latencyRow(c: LatencyComparison, bounded: boolean): string[] {
  const mark = (ok: boolean) => (bounded ? (ok ? '' : ' !') : '');
  return [
    c.model,
    c.priority,
    String(c.replayCount),
    fixed(c.replayMeanMs),
    fixed(c.simMeanMs),
    signedPct(c.meanError) + mark(Math.abs(c.meanError) <= VALIDATION_BOUNDS.meanLatency),
    fixed(c.replayP99Ms),
    fixed(c.simP99Ms),
    signedPct(c.p99Error) + mark(Math.abs(c.p99Error) <= VALIDATION_BOUNDS.p99Latency),
  ];
}

/** `strait validate`: the simulator, calibrated, against a replay on the same trace. */
export async function validateCommand(options: ValidateCommandOptions): Promise<void> {
  if (options.profile === undefined) throw new InputError('--profile: the calibration profile (from `strait calibrate`) is required');
  if (!existsSync(options.profile)) throw new InputError(`--profile: ${options.profile} not found`);
  if (options.against !== undefined && options.campaign === undefined) throw new InputError('--against: only with --campaign (it contrasts two profiles on replicated replays)');
  if (options.campaign !== undefined) return validateCampaignCommand({ ...options, campaign: options.campaign, profile: options.profile });
  if (options.replay === undefined) throw new InputError('--replay or --campaign: the replay or campaign directory to validate against is required');
  const replay = readReplayDirectory(options.replay);
  process.stderr.write(`simulating the ${replay.records.length} requests of ${options.replay} with ${options.profile}\n`);
  const result = validate(replay, options.profile, { rescale: options.rescale === true, simSeeds: options.simSeeds });
  if (options.out !== undefined) {
    writeFileAtomically(options.out, JSON.stringify(result, null, 2) + '\n');
  }
  if (options.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else {
    const header = ['model', 'class', 'served', 'replay mean', 'sim mean', 'error', 'replay p99', 'sim p99', 'error'];
    const lines = [
      result.deviceSpeed !== undefined
        ? result.deviceSpeed.pairs.length > 0
          ? `device speed: clean solo executions ${fixed(result.speedFactor, 3)}x the calibration replays' ` +
            `(${result.deviceSpeed.pairs.map((p) => `${p.key} ${fixed(p.ratio, 2)}`).join(', ')}); the profile's solo times are scaled by that`
          : 'device speed: too few clean solo executions to compare (or a profile without them); solo times as calibrated'
        : "solo times as calibrated (--rescale scales them by the replay's device speed, from its clean solo executions)",
      `simulated ${result.simSeeds} times (variability seeds ${replay.scenario.seed}..${replay.scenario.seed + result.simSeeds - 1}), pooled`,
      `policy ${result.policy}, predictor ${result.predictor}, ${result.requests} requests (latencies in ms; ! marks an error beyond ` +
        `${pct(VALIDATION_BOUNDS.meanLatency, 0)} on the mean or ${pct(VALIDATION_BOUNDS.p99Latency, 0)} on p99)`,
      '',
      table(header, [...result.perModel.map((c) => latencyRow(c, true)), ...result.perModelClass.map((c) => latencyRow(c, false))]),
      '',
      table(
        ['class', 'requests', 'replay violations', 'sim violations', 'difference'],
        result.violations.map((v) => [
          v.priority,
          String(v.requests),
          pct(v.replayRate, 2),
          pct(v.simRate, 2),
          `${v.differencePp >= 0 ? '+' : ''}${v.differencePp.toFixed(2)} pp${Math.abs(v.differencePp) <= VALIDATION_BOUNDS.violationPp ? '' : ' !'}`,
        ]),
      ),
      '',
      result.withinBounds
        ? `within bounds: mean latency <= ${pct(VALIDATION_BOUNDS.meanLatency, 0)}, p99 <= ${pct(VALIDATION_BOUNDS.p99Latency, 0)} per model, violations <= ${VALIDATION_BOUNDS.violationPp} pp per class`
        : 'OUTSIDE the bounds (marked !)',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (options.check && !result.withinBounds) throw new CheckFailure('the simulator is outside the validation bounds on this replay');
}
