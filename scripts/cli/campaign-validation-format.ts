import type { CampaignValidation, ConfigurationValidation } from '../../replay/validate-campaign.ts';
import { formatError, METRICS, type MetricName } from '../../replay/stats/metric.ts';
import type { Assessment } from '../../replay/stats/assess.ts';
import { fixed, table } from './format.ts';

const SHORT = { PASS: 'PASS', FAIL: 'FAIL', INCONCLUSIVE: 'INCONCL' } as const;

function cell(metric: MetricName, a: Assessment): string[] {
  const n = Number.isFinite(a.floor) ? formatError(metric, a.floor).replace(/^\+/, '') : '-';
  const interval = Number.isFinite(a.interval.low) ? ` [${formatError(metric, a.interval.low)}, ${formatError(metric, a.interval.high)}]` : '';
  return [n, `${formatError(metric, a.error)}${interval}`, SHORT[a.verdict]];
}

function configurationTable(c: ConfigurationValidation): string {
  const header = ['model', 'class', 'R', ...METRICS.flatMap((m) => [`${m} N`, `${m} E [95%]`, 'verdict'])];
  return table(header, c.rows.map((row) => [row.model, row.priority, String(row.metrics.mean.replicates), ...METRICS.flatMap((m) => cell(m, row.metrics[m]))]));
}

/** The validation as text: a table per configuration, then the trends. */
export function formatCampaignValidation(v: CampaignValidation): string {
  const lines: string[] = [
    `campaign ${v.campaign}, profile ${v.profile}; simulator: each replay's trace x ${v.simSeeds} variability seeds; bootstrap ${v.resamples} resamples (replays, then requests), seed ${v.seed}`,
    'N: noise floor (mean leave-one-out error of one replay against the others); E: simulator against the replicate mean, with its 95% interval.',
    'PASS: |E| <= max(target, 1.5 N) with 1.5 N <= 2 x target; FAIL: the interval lies outside max(target, 1.5 N); else INCONCLUSIVE. Targets 10% mean, 20% p99, 3 pp violations.',
  ];
  for (const c of v.configurations) {
    lines.push('', `${c.name} (${c.role}; policy ${c.policy}, load ${c.load}; ${c.replicates} replicates${c.excluded.length > 0 ? `, replicate(s) ${c.excluded.join(', ')} excluded as unstable` : ''})`);
    lines.push(configurationTable(c));
  }
  lines.push('', `verdicts: ${v.verdicts.PASS} PASS, ${v.verdicts.FAIL} FAIL, ${v.verdicts.INCONCLUSIVE} INCONCLUSIVE`);
  lines.push('', 'trends: Kendall tau of the configurations ordered by violation rate, replay vs simulation');
  lines.push(
    table(
      ['class', 'load', 'tau', 'replay (violation %)', 'simulation'],
      v.ranks.map((r) => [r.priority, String(r.load), Number.isFinite(r.tau) ? fixed(r.tau, 2) : '-', r.items.map((i) => `${i.configuration} ${fixed(i.replay, 1)}`).join(', '), r.items.map((i) => fixed(i.sim, 1)).join(', ')]),
    ),
  );
  const significant = v.differences.filter((d) => d.check !== 'not significant');
  lines.push(
    '',
    `differences the replays show with an interval excluding zero: ${significant.length} of ${v.differences.length}; the simulator has the same sign in ${v.signs.agree}, the opposite in ${v.signs.disagree}`,
  );
  if (significant.length > 0) {
    lines.push(
      table(
        ['b - a', 'varies', 'class', 'metric', 'replay', '95%', 'sim', 'sign'],
        significant.map((d) => [
          `${d.b} - ${d.a}`,
          d.varies,
          d.priority,
          d.metric,
          fixed(d.replay, 2),
          `[${fixed(d.interval.low, 2)}, ${fixed(d.interval.high, 2)}]`,
          fixed(d.sim, 2),
          d.check,
        ]),
      ),
    );
  }
  return lines.join('\n');
}
