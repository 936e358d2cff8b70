import { parseScenario } from '../scenarios/parse-scenario.ts';
import type { Scenario } from '../scenarios/scenario.ts';

export interface BenchScenarioOptions {
  readonly requests: number;
  readonly gpus: number;
  readonly policy?: string;
  readonly predictor?: string;
  readonly load?: number;
  readonly seed?: number;
}

/**
 * The benchmark's cluster and workload, as scenario JSON: hosts of four GPUs, the
 * four built-in models, a high- and a low-priority Poisson stream per model,
 * spatial sharing, 85% of capacity by default.
 */
export function benchScenarioJson(options: BenchScenarioOptions): Record<string, unknown> {
  const gpusPerHost = 4;
  const hosts = Array.from({ length: Math.ceil(options.gpus / gpusPerHost) }, (_, h) => ({
    name: `host${h}`,
    uplink: { h2dGBps: 24, d2hGBps: 24 },
    gpus: Math.min(gpusPerHost, options.gpus - h * gpusPerHost),
  }));
  const models = ['mobilenet_v2', 'resnet152', 'bert_base', 'mlp'];
  const streams = models.flatMap((model) => [
    { model, priority: 'high', weight: 1, batchSizes: [1, 2, 4], sloFactor: 5 },
    { model, priority: 'low', weight: 3, batchSizes: [4, 8, 16], sloFactor: 10 },
  ]);
  return {
    name: 'bench',
    seed: options.seed ?? 1,
    load: options.load ?? 0.85,
    policy: options.policy ?? 'fifo',
    predictor: options.predictor ?? 'solo',
    models,
    cluster: { gpu: { maxConcurrency: 4, sharing: 'spatial', interferenceAlpha: 0.3 }, hosts },
    workload: { streams, requests: options.requests },
  };
}

export function benchScenario(options: BenchScenarioOptions): Scenario {
  return parseScenario(benchScenarioJson(options), 'bench', 'bench');
}
