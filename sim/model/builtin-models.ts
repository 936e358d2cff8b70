import type { BatchTable, ModelProfile, PhaseProfile } from './profile.ts';

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

function phase(name: string, soloMs: number[], compute: number[], memory: number[]): PhaseProfile {
  return { name, soloMs: table(soloMs), compute: table(compute), memory: table(memory) };
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
    outputBytesPerItem: 768 * 4, // pooled embedding (float32)
    variability: { kind: 'lognormal', cv: 0.05 },
    maxBatch: 32,
    phases: [
      phase('embeddings', [0.1, 0.2, 0.6, 1.1], [0.15, 0.25, 0.4, 0.5], [0.6, 0.7, 0.8, 0.8]),
      phase('layers-1-4', [0.9, 2.0, 6.2, 12.0], [0.5, 0.75, 0.9, 0.95], [0.4, 0.45, 0.45, 0.45]),
      phase('layers-5-8', [0.9, 2.0, 6.2, 12.0], [0.5, 0.75, 0.9, 0.95], [0.4, 0.45, 0.45, 0.45]),
      phase('layers-9-12', [0.9, 2.0, 6.2, 12.0], [0.5, 0.75, 0.9, 0.95], [0.4, 0.45, 0.45, 0.45]),
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
];

export const BUILTIN_MODEL_NAMES: readonly string[] = BUILTIN_MODELS.map((m) => m.name);

export function builtinModel(name: string): ModelProfile | undefined {
  return BUILTIN_MODELS.find((m) => m.name === name);
}
