import type { BatchTable, ModelProfile, PhaseProfile, TokenScaling } from './profile.ts';

/**
 * Built-in model profiles, shaped after published single-GPU inference figures for
 * a data-centre GPU (A100-class, FP16, TensorRT-like engines): solo times per batch
 * size, split into a few phases with the compute and memory demands typical of
 * their layers. Replay builds real TensorFlow.js models under the same names.
 */

const BATCHES = [1, 4, 16, 32];

function table(values: readonly number[]): BatchTable {
  return { batchSizes: BATCHES, values };
}

function phase(name: string, soloMs: number[], compute: number[], memory: number[], tokens?: TokenScaling): PhaseProfile {
  const profile = { name, soloMs: table(soloMs), compute: table(compute), memory: table(memory) };
  return tokens === undefined ? profile : { ...profile, tokens };
}

/**
 * BERT-base's token scaling (sequence 128 is the profiled length). Derived from the
 * profile's own batch scaling: in its throughput regime (batch 16 to 32) one more
 * 128-token item adds 0.3625 ms to a 4-layer phase profiled at 0.9 ms for one item,
 * so the token-proportional share of a phase at 128 tokens is 0.3625 / 0.9 = 0.40 and
 * the fixed share 0.60 (embeddings: 0.03125 / 0.1, fixed 0.69). Attention's quadratic
 * term is left out (at most about 1/6 of a layer's FLOPs up to 512 tokens), and a
 * prompt past BERT's 512 positions is extrapolated linearly, not truncated.
 */
const BERT_LAYER_TOKENS: TokenScaling = { per: 'input', referenceTokens: 128, fixedShare: 0.6 };
const BERT_EMBEDDING_TOKENS: TokenScaling = { per: 'input', referenceTokens: 128, fixedShare: 0.69 };

/**
 * Llama-2-7B (Touvron et al. 2023: 6.74e9 parameters, FP16 weights 13.5 GB), derived
 * from an A100-80GB SXM's published peaks (312 TFLOPS dense FP16, 2,039 GB/s HBM):
 * - prefill is compute-bound: 2 x 6.74e9 = 13.5 GFLOP per prompt token at 60% of peak
 *   (187 TFLOPS) is 0.072 ms per token, 74 ms at the 1,024-token reference, plus one
 *   read of the weights (6.6 ms): 80 ms at batch 1, fixed share 0.08;
 * - decode is memory-bound: each answer token reads the weights once, 13.5 GB at 80% of
 *   the bandwidth is 8.3 ms per token at batch 1, 1,062 ms at the 128-token reference,
 *   no fixed share (the KV cache's growing reads are left out); a larger batch reads the
 *   weights once for all its items, so decode grows slowly with batch.
 * Decode is split into four equal phases so a phase-boundary preemption can cut in.
 * Continuous batching (other requests' tokens joining a running batch) is not modelled:
 * co-running requests share the GPU as the fluid model says, each reading the weights.
 */
const LLAMA_PREFILL_TOKENS: TokenScaling = { per: 'input', referenceTokens: 1024, fixedShare: 0.08 };
const LLAMA_DECODE_TOKENS: TokenScaling = { per: 'output', referenceTokens: 128, fixedShare: 0 };

function llamaDecodeQuarter(k: number): PhaseProfile {
  return phase(`decode-${k}`, [265.5, 272, 300, 340], [0.15, 0.3, 0.6, 0.8], [0.8, 0.82, 0.85, 0.9], LLAMA_DECODE_TOKENS);
}

/** 3x224x224 float32 image. */
const IMAGE_BYTES = 3 * 224 * 224 * 4;
/** 1000 float32 logits. */
const LOGITS_BYTES = 1000 * 4;

export const BUILTIN_MODELS: readonly ModelProfile[] = [
  {
    name: 'mobilenet_v2',
    description: 'small CNN (MobileNetV2, 224x224): short, memory-bound depthwise convolutions',
    inputBytesPerItem: IMAGE_BYTES,
    outputBytesPerItem: LOGITS_BYTES,
    variability: { kind: 'lognormal', cv: 0.05 },
    maxBatch: 32,
    phases: [
      phase('stem', [0.12, 0.2, 0.5, 0.9], [0.2, 0.35, 0.6, 0.75], [0.55, 0.65, 0.75, 0.8]),
      phase('blocks-1-7', [0.35, 0.6, 1.5, 2.8], [0.25, 0.4, 0.65, 0.8], [0.6, 0.7, 0.8, 0.85]),
      phase('blocks-8-17', [0.45, 0.8, 2.0, 3.7], [0.3, 0.45, 0.7, 0.85], [0.5, 0.6, 0.7, 0.75]),
      phase('head', [0.08, 0.12, 0.3, 0.55], [0.1, 0.2, 0.35, 0.5], [0.3, 0.35, 0.4, 0.45]),
    ],
  },
  {
    name: 'resnet152',
    description: 'large CNN (ResNet-152, 224x224): long, compute-bound convolution stages',
    inputBytesPerItem: IMAGE_BYTES,
    outputBytesPerItem: LOGITS_BYTES,
    variability: { kind: 'lognormal', cv: 0.04 },
    maxBatch: 32,
    phases: [
      phase('stem', [0.3, 0.6, 1.8, 3.4], [0.35, 0.55, 0.8, 0.9], [0.5, 0.55, 0.6, 0.6]),
      phase('stage-1', [0.7, 1.5, 4.6, 8.8], [0.45, 0.7, 0.9, 0.95], [0.45, 0.5, 0.5, 0.5]),
      phase('stage-2', [1.3, 2.9, 9.0, 17.5], [0.5, 0.75, 0.92, 0.95], [0.35, 0.4, 0.4, 0.4]),
      phase('stage-3', [3.4, 7.4, 23.0, 44.5], [0.55, 0.8, 0.95, 0.97], [0.3, 0.3, 0.3, 0.3]),
      phase('stage-4', [0.9, 1.8, 5.4, 10.4], [0.5, 0.75, 0.9, 0.95], [0.35, 0.35, 0.35, 0.35]),
      phase('head', [0.1, 0.15, 0.35, 0.6], [0.1, 0.2, 0.35, 0.5], [0.3, 0.35, 0.4, 0.45]),
    ],
  },
  {
    name: 'bert_base',
    description: 'transformer encoder (BERT-base, sequence 128): attention and GEMM-heavy layers',
    inputBytesPerItem: 128 * 3 * 4, // token ids, attention mask, segment ids (int32)
    inputBytesPerToken: 3 * 4,
    outputBytesPerItem: 768 * 4, // pooled embedding (float32)
    variability: { kind: 'lognormal', cv: 0.05 },
    maxBatch: 32,
    phases: [
      phase('embeddings', [0.1, 0.2, 0.6, 1.1], [0.15, 0.25, 0.4, 0.5], [0.6, 0.7, 0.8, 0.8], BERT_EMBEDDING_TOKENS),
      phase('layers-1-4', [0.9, 2.0, 6.2, 12.0], [0.5, 0.75, 0.9, 0.95], [0.4, 0.45, 0.45, 0.45], BERT_LAYER_TOKENS),
      phase('layers-5-8', [0.9, 2.0, 6.2, 12.0], [0.5, 0.75, 0.9, 0.95], [0.4, 0.45, 0.45, 0.45], BERT_LAYER_TOKENS),
      phase('layers-9-12', [0.9, 2.0, 6.2, 12.0], [0.5, 0.75, 0.9, 0.95], [0.4, 0.45, 0.45, 0.45], BERT_LAYER_TOKENS),
      phase('pooler', [0.05, 0.07, 0.15, 0.25], [0.1, 0.15, 0.25, 0.35], [0.25, 0.3, 0.3, 0.3]),
    ],
  },
  {
    name: 'mlp',
    description: 'multilayer perceptron (784-1024-1024-10): tiny, latency-bound',
    inputBytesPerItem: 784 * 4,
    outputBytesPerItem: 10 * 4,
    variability: { kind: 'lognormal', cv: 0.08 },
    maxBatch: 32,
    phases: [
      phase('hidden', [0.06, 0.07, 0.1, 0.14], [0.08, 0.15, 0.35, 0.5], [0.4, 0.45, 0.5, 0.55]),
      phase('output', [0.03, 0.03, 0.04, 0.05], [0.05, 0.08, 0.15, 0.2], [0.2, 0.2, 0.25, 0.25]),
    ],
  },
  {
    name: 'llama2_7b',
    description: 'decoder LLM (Llama-2-7B, FP16): a compute-bound prefill per prompt token, a memory-bound decode per answer token',
    inputBytesPerItem: 1024 * 4, // the reference prompt's token ids (int32)
    inputBytesPerToken: 4,
    outputBytesPerItem: 128 * 4, // the reference answer's token ids
    outputBytesPerToken: 4,
    variability: { kind: 'lognormal', cv: 0.03 },
    maxBatch: 32,
    phases: [
      phase('prefill', [80, 302, 1190, 2380], [0.9, 0.95, 0.97, 0.98], [0.3, 0.25, 0.2, 0.2], LLAMA_PREFILL_TOKENS),
      llamaDecodeQuarter(1),
      llamaDecodeQuarter(2),
      llamaDecodeQuarter(3),
      llamaDecodeQuarter(4),
    ],
  },
];

export const BUILTIN_MODEL_NAMES: readonly string[] = BUILTIN_MODELS.map((m) => m.name);

/** Built-in models that replay has no real implementation of (a 13.5 GB LLM is not built in TensorFlow.js for a test). */
export const SIMULATION_ONLY_MODELS: readonly string[] = ['llama2_7b'];

export function builtinModel(name: string): ModelProfile | undefined {
  return BUILTIN_MODELS.find((m) => m.name === name);
}
