/**
 * Real models for replay, built in code with seeded random weights (nothing is
 * downloaded). They carry the simulator's built-in model names and phase structure
 * (sim/model/builtin-models.ts) but are scaled down so that one inference takes a few
 * milliseconds on one CPU core with the single-threaded wasm backend:
 *
 * | model        | shape                                                            | input / item         | output / item |
 * | ------------ | ---------------------------------------------------------------- | -------------------- | ------------- |
 * | mlp          | 784-1024-1024-10, ReLU                                           | 784 floats           | 10 logits     |
 * | mobilenet_v2 | MobileNetV2 x0.35 (17 inverted residual blocks, depthwise convs) | 64x64x3 image (NHWC) | 1000 logits   |
 * | resnet152    | ResNet-152 depth (3-8-36-3 bottlenecks), base width 16            | 64x64x3 image (NHWC) | 1000 logits   |
 * | bert_base    | BERT encoder: 6 layers (2 per phase), hidden 96, 4 heads, FFN 384 | 16 token ids         | 96 (pooled)   |
 *
 * Solo times on one AMD EPYC core, wasm backend with SIMD, after warm-up (batch 1):
 * mlp ~0.6 ms, mobilenet_v2 ~5 ms, bert_base ~6 ms, resnet152 ~16 ms.
 *
 * Batch normalisation is folded into convolution biases (inference form); convolutions
 * and dense layers use tf.fused ops (bias and activation in one kernel). Each phase runs
 * inside tf.tidy; its completion is forced by reading one element of its output, so the
 * measured phase time does not include copying a whole activation off a GPU (the last
 * phase's output is read in full: it is the result).
 */
import type { Tensor, Tensor1D, Tensor2D, Tensor4D } from '@tensorflow/tfjs';
import { bug, InputError } from '../sim/core/errors.ts';
import type { Tf } from './backends.ts';

export interface RealModel {
  readonly name: string;
  readonly phases: readonly string[];
  /** Elements of float32 input per batch item, and of output per batch item. */
  readonly inputElementsPerItem: number;
  readonly outputElementsPerItem: number;
  /**
   * Runs one inference on `input` (batch * inputElementsPerItem float32 values), phase by
   * phase, forcing each phase to complete so each phase's wall time is measured. Returns
   * the output values and per-phase milliseconds (performance.now). Leaks no tensors.
   */
  run(input: Float32Array, batch: number): { output: Float32Array; phaseMs: number[] };
  dispose(): void;
}

export interface RealModelIo {
  readonly inputElementsPerItem: number;
  readonly outputElementsPerItem: number;
  readonly phases: readonly string[];
}

// ---- sizes (the static table below and the builders both read these) ----

const MLP = { input: 784, hidden: [1024, 1024], output: 10 } as const;
/** Image side for the CNNs (NHWC, 3 channels). */
const IMAGE = 64;
const CLASSES = 1000;
const MOBILENET = { alpha: 0.35, lastChannels: 1280 } as const;
/** MobileNetV2's inverted residual settings: expansion t, channels c, repeats n, stride s. */
const MOBILENET_BLOCKS: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];
/** Blocks 1-7 form one phase, 8-17 the next (as in the simulator's profile). */
const MOBILENET_SPLIT = 7;
const RESNET = { width: 16, blocks: [3, 8, 36, 3] } as const;
/** BERT's WordPiece vocabulary size, so real token ids fit; ids are clipped to it. */
const BERT = { vocab: 30522, seq: 16, hidden: 96, heads: 4, ffn: 384, layersPerPhase: 2 } as const;

const STATIC_IO: Readonly<Record<string, RealModelIo>> = {
  mobilenet_v2: { inputElementsPerItem: IMAGE * IMAGE * 3, outputElementsPerItem: CLASSES, phases: ['stem', 'blocks-1-7', 'blocks-8-17', 'head'] },
  resnet152: {
    inputElementsPerItem: IMAGE * IMAGE * 3,
    outputElementsPerItem: CLASSES,
    phases: ['stem', 'stage-1', 'stage-2', 'stage-3', 'stage-4', 'head'],
  },
  bert_base: { inputElementsPerItem: BERT.seq, outputElementsPerItem: BERT.hidden, phases: ['embeddings', 'layers-1-4', 'layers-5-8', 'layers-9-12', 'pooler'] },
  mlp: { inputElementsPerItem: MLP.input, outputElementsPerItem: MLP.output, phases: ['hidden', 'output'] },
};

export const REAL_MODEL_NAMES: readonly string[] = Object.keys(STATIC_IO);

export function hasRealModel(name: string): boolean {
  return Object.hasOwn(STATIC_IO, name);
}

function unknownModel(name: string): InputError {
  return new InputError(`unknown real model "${name}": replay has ${REAL_MODEL_NAMES.join(', ')}`);
}

/** Input and output sizes and phase names of a real model, without loading TensorFlow.js. */
export function realModelIo(name: string): RealModelIo {
  const io = STATIC_IO[name];
  if (io === undefined || !hasRealModel(name)) throw unknownModel(name);
  return io;
}

// ---- building blocks ----

type Activation = 'linear' | 'relu' | 'relu6';

interface Phase {
  readonly name: string;
  readonly apply: (x: Tensor) => Tensor;
}

/** Seeded weights: every tensor gets its own seed derived from the model seed. */
class Weights {
  readonly all: Tensor[] = [];
  private next = 0;
  constructor(
    private readonly tf: Tf,
    private readonly seed: number,
  ) {}

  normal<T extends Tensor>(shape: number[], std: number): T {
    const t = this.tf.randomNormal(shape, 0, std, 'float32', this.seed * 7919 + ++this.next) as T;
    this.all.push(t);
    return t;
  }

  /** Small biases: the folded batch-norm shift. */
  bias(n: number): Tensor1D {
    return this.normal<Tensor1D>([n], 0.01);
  }

  constant<T extends Tensor>(shape: number[], value: number): T {
    const t = this.tf.fill(shape, value) as T;
    this.all.push(t);
    return t;
  }
}

interface Conv {
  readonly filter: Tensor4D;
  readonly bias: Tensor1D;
  readonly stride: number;
  readonly activation: Activation;
}

/** A k x k convolution with He-scaled weights; `gain` shrinks a residual branch's last conv. */
function conv(w: Weights, k: number, cin: number, cout: number, stride: number, activation: Activation, gain = 1): Conv {
  const std = gain * Math.sqrt(2 / (k * k * cin));
  return { filter: w.normal<Tensor4D>([k, k, cin, cout], std), bias: w.bias(cout), stride, activation };
}

function applyConv(tf: Tf, c: Conv, x: Tensor4D): Tensor4D {
  return tf.fused.conv2d({ x, filter: c.filter, strides: c.stride, pad: 'same', bias: c.bias, activation: c.activation });
}

function depthwise(w: Weights, channels: number, stride: number): Conv {
  return { filter: w.normal<Tensor4D>([3, 3, channels, 1], Math.sqrt(2 / 9)), bias: w.bias(channels), stride, activation: 'relu6' };
}

function applyDepthwise(tf: Tf, c: Conv, x: Tensor4D): Tensor4D {
  return tf.fused.depthwiseConv2d({ x, filter: c.filter, strides: c.stride, pad: 'same', bias: c.bias, activation: c.activation });
}

interface Dense {
  readonly kernel: Tensor2D;
  readonly bias: Tensor1D;
  readonly activation: Activation;
}

function dense(w: Weights, nin: number, nout: number, activation: Activation, gain = 1): Dense {
  const std = gain * Math.sqrt((activation === 'linear' ? 1 : 2) / nin);
  return { kernel: w.normal<Tensor2D>([nin, nout], std), bias: w.bias(nout), activation };
}

function applyDense(tf: Tf, d: Dense, x: Tensor2D): Tensor2D {
  return tf.fused.matMul({ a: x, b: d.kernel, bias: d.bias, activation: d.activation }) as Tensor2D;
}

/** Global average pooling then the classifier: [b, h, w, c] -> [b, classes]. */
function classifierHead(tf: Tf, fc: Dense, x: Tensor4D): Tensor2D {
  return applyDense(tf, fc, tf.mean(x, [1, 2]) as Tensor2D);
}

// ---- the models ----

function buildMlp(tf: Tf, w: Weights): Phase[] {
  const dims = [MLP.input, ...MLP.hidden];
  const hidden = dims.slice(1).map((n, i) => dense(w, dims[i], n, 'relu'));
  const out = dense(w, dims[dims.length - 1], MLP.output, 'linear');
  return [
    { name: 'hidden', apply: (x) => hidden.reduce((h, d) => applyDense(tf, d, h), x as Tensor2D) },
    { name: 'output', apply: (x) => applyDense(tf, out, x as Tensor2D) },
  ];
}

function makeDivisible(v: number, divisor = 8): number {
  return Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
}

function buildMobileNetV2(tf: Tf, w: Weights): Phase[] {
  const a = MOBILENET.alpha;
  const stemChannels = makeDivisible(32 * a);
  const stem = conv(w, 3, 3, stemChannels, 2, 'relu6');
  interface Block {
    readonly expand?: Conv;
    readonly dw: Conv;
    readonly project: Conv;
    readonly residual: boolean;
  }
  const blocks: Block[] = [];
  let cin = stemChannels;
  for (const [t, c, n, s] of MOBILENET_BLOCKS) {
    const cout = makeDivisible(c * a);
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const mid = cin * t;
      const residual = stride === 1 && cin === cout;
      blocks.push({
        expand: t === 1 ? undefined : conv(w, 1, cin, mid, 1, 'relu6'),
        dw: depthwise(w, mid, stride),
        project: conv(w, 1, mid, cout, 1, 'linear', residual ? 0.3 : 1),
        residual,
      });
      cin = cout;
    }
  }
  const last = makeDivisible(MOBILENET.lastChannels * Math.max(1, a)); // as in MobileNetV2: never below 1280
  const headConv = conv(w, 1, cin, last, 1, 'relu6');
  const fc = dense(w, last, CLASSES, 'linear');
  const runBlocks = (list: readonly Block[]) => (x: Tensor) =>
    list.reduce((h, b) => {
      const e = b.expand ? applyConv(tf, b.expand, h) : h;
      const p = applyConv(tf, b.project, applyDepthwise(tf, b.dw, e));
      return b.residual ? tf.add(h, p) : p;
    }, x as Tensor4D);
  return [
    { name: 'stem', apply: (x) => applyConv(tf, stem, x as Tensor4D) },
    { name: 'blocks-1-7', apply: runBlocks(blocks.slice(0, MOBILENET_SPLIT)) },
    { name: 'blocks-8-17', apply: runBlocks(blocks.slice(MOBILENET_SPLIT)) },
    { name: 'head', apply: (x) => classifierHead(tf, fc, applyConv(tf, headConv, x as Tensor4D)) },
  ];
}

function buildResNet152(tf: Tf, w: Weights): Phase[] {
  const base = RESNET.width;
  const stem = conv(w, 7, 3, base * 4, 2, 'relu');
  interface Bottleneck {
    readonly reduce: Conv;
    readonly spatial: Conv;
    readonly expand: Conv;
    readonly shortcut?: Conv;
  }
  let cin = base * 4;
  const stages: Bottleneck[][] = RESNET.blocks.map((n, s) => {
    const mid = base * 2 ** s;
    const cout = mid * 4;
    const stage: Bottleneck[] = [];
    for (let i = 0; i < n; i++) {
      const stride = i === 0 && s > 0 ? 2 : 1;
      stage.push({
        reduce: conv(w, 1, cin, mid, 1, 'relu'),
        spatial: conv(w, 3, mid, mid, stride, 'relu'),
        // Zero-ish init of the last branch conv keeps the 50-block residual sum bounded.
        expand: conv(w, 1, mid, cout, 1, 'linear', 0.2),
        shortcut: stride !== 1 || cin !== cout ? conv(w, 1, cin, cout, stride, 'linear') : undefined,
      });
      cin = cout;
    }
    return stage;
  });
  const fc = dense(w, cin, CLASSES, 'linear');
  const runStage = (stage: readonly Bottleneck[]) => (x: Tensor) =>
    stage.reduce((h, b) => {
      const branch = applyConv(tf, b.expand, applyConv(tf, b.spatial, applyConv(tf, b.reduce, h)));
      const skip = b.shortcut ? applyConv(tf, b.shortcut, h) : h;
      return tf.relu(tf.add(skip, branch));
    }, x as Tensor4D);
  return [
    { name: 'stem', apply: (x) => tf.maxPool(applyConv(tf, stem, x as Tensor4D), 3, 2, 'same') },
    ...stages.map((stage, i) => ({ name: `stage-${i + 1}`, apply: runStage(stage) })),
    { name: 'head', apply: (x) => classifierHead(tf, fc, x as Tensor4D) },
  ];
}

function buildBert(tf: Tf, w: Weights): Phase[] {
  const { vocab, seq, hidden: h, heads, ffn, layersPerPhase } = BERT;
  const headDim = h / heads;
  const wordEmb = w.normal<Tensor2D>([vocab, h], 0.5); // layer norm follows: the scale only needs to be sane
  const posEmb = w.normal<Tensor2D>([seq, h], 0.5);
  interface LayerNorm {
    readonly gamma: Tensor1D;
    readonly beta: Tensor1D;
  }
  const layerNorm = (): LayerNorm => ({ gamma: w.constant<Tensor1D>([h], 1), beta: w.constant<Tensor1D>([h], 0) });
  const applyLayerNorm = (ln: LayerNorm, x: Tensor): Tensor => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-12))), ln.gamma), ln.beta);
  };
  const embLn = layerNorm();
  interface Layer {
    readonly q: Dense;
    readonly k: Dense;
    readonly v: Dense;
    readonly o: Dense;
    readonly ln1: LayerNorm;
    readonly up: Dense;
    readonly down: Dense;
    readonly ln2: LayerNorm;
  }
  const layers: Layer[] = [];
  for (let i = 0; i < 3 * layersPerPhase; i++) {
    layers.push({
      q: dense(w, h, h, 'linear'),
      k: dense(w, h, h, 'linear'),
      v: dense(w, h, h, 'linear'),
      o: dense(w, h, h, 'linear'),
      ln1: layerNorm(),
      up: dense(w, h, ffn, 'linear'),
      down: dense(w, ffn, h, 'linear'),
      ln2: layerNorm(),
    });
  }
  const pooler = dense(w, h, h, 'linear');
  const scale = 1 / Math.sqrt(headDim);
  /** [b*seq, h] -> [b, heads, seq, headDim] */
  const splitHeads = (x: Tensor2D, b: number) => tf.transpose(tf.reshape(x, [b, seq, heads, headDim]), [0, 2, 1, 3]);
  const encoder = (x2: Tensor2D, layer: Layer): Tensor2D => {
    const b = x2.shape[0] / seq;
    const q = splitHeads(applyDense(tf, layer.q, x2), b);
    const k = splitHeads(applyDense(tf, layer.k, x2), b);
    const v = splitHeads(applyDense(tf, layer.v, x2), b);
    const probs = tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale));
    const context = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [b * seq, h]) as Tensor2D;
    const attended = applyLayerNorm(layer.ln1, tf.add(x2, applyDense(tf, layer.o, context))) as Tensor2D;
    const up = applyDense(tf, layer.up, attended);
    const gelu = tf.mul(up, tf.sigmoid(tf.mul(up, 1.702))) as Tensor2D; // GELU, sigmoid approximation
    return applyLayerNorm(layer.ln2, tf.add(attended, applyDense(tf, layer.down, gelu))) as Tensor2D;
  };
  const runLayers = (from: number) => (x: Tensor) => {
    const [b] = x.shape;
    const out = layers.slice(from, from + layersPerPhase).reduce(encoder, tf.reshape(x, [b * seq, h]) as Tensor2D);
    return tf.reshape(out, [b, seq, h]);
  };
  return [
    {
      name: 'embeddings',
      apply: (x) => {
        const ids = tf.cast(tf.clipByValue(x, 0, vocab - 1), 'int32');
        const words: Tensor = tf.gather(wordEmb, ids); // [b, seq, h]
        return applyLayerNorm(embLn, tf.add(words, posEmb));
      },
    },
    { name: 'layers-1-4', apply: runLayers(0) },
    { name: 'layers-5-8', apply: runLayers(layersPerPhase) },
    { name: 'layers-9-12', apply: runLayers(2 * layersPerPhase) },
    {
      name: 'pooler',
      apply: (x) => {
        const [b] = x.shape;
        const cls = tf.reshape(tf.slice(x, [0, 0, 0], [b, 1, h]), [b, h]) as Tensor2D;
        return tf.tanh(applyDense(tf, pooler, cls));
      },
    },
  ];
}

const BUILDERS: Readonly<Record<string, (tf: Tf, w: Weights) => Phase[]>> = {
  mobilenet_v2: buildMobileNetV2,
  resnet152: buildResNet152,
  bert_base: buildBert,
  mlp: buildMlp,
};

/** Per-item input shape, in the layout each model takes. */
function itemShape(name: string): number[] {
  if (name === 'bert_base') return [BERT.seq];
  if (name === 'mlp') return [MLP.input];
  return [IMAGE, IMAGE, 3];
}

/**
 * Builds a real model on tf's current backend, with random weights drawn from `seed`
 * (the same seed gives the same weights). Unknown name: InputError naming the known models.
 */
export function buildRealModel(tf: Tf, name: string, seed = 1): RealModel {
  const io = realModelIo(name);
  const builder = BUILDERS[name];
  if (builder === undefined) throw unknownModel(name);
  const weights = new Weights(tf, seed);
  const phases = builder(tf, weights); // creates only the weights, no temporaries
  if (phases.map((p) => p.name).join() !== io.phases.join()) bug(`real model ${name}: expected the phases of its static table (${io.phases.join()}), got ${phases.map((p) => p.name).join()}`);
  const shape = itemShape(name);
  let disposed = false;

  return {
    name,
    phases: io.phases,
    inputElementsPerItem: io.inputElementsPerItem,
    outputElementsPerItem: io.outputElementsPerItem,
    run(input: Float32Array, batch: number) {
      if (disposed) bug(`real model ${name}: expected a live model, got a disposed one`);
      if (!Number.isInteger(batch) || batch < 1) throw new InputError(`real model ${name}: batch must be a positive integer, got ${batch}`);
      if (input.length !== batch * io.inputElementsPerItem) {
        throw new InputError(`real model ${name}: expected ${batch} x ${io.inputElementsPerItem} = ${batch * io.inputElementsPerItem} input values, got ${input.length}`);
      }
      const phaseMs: number[] = [];
      let current: Tensor = tf.tensor(input, [batch, ...shape], 'float32');
      try {
        for (let i = 0; i < phases.length; i++) {
          const start = performance.now();
          const next = tf.tidy(() => phases[i].apply(current));
          if (i < phases.length - 1) {
            // Force completion by reading one element (not the whole activation).
            const probe = tf.tidy(() => tf.slice(tf.reshape(next, [-1]), 0, 1));
            probe.dataSync();
            probe.dispose();
          } else {
            next.dataSync();
          }
          phaseMs.push(performance.now() - start);
          current.dispose();
          current = next;
        }
        return { output: new Float32Array(current.dataSync() as Float32Array), phaseMs };
      } finally {
        current.dispose();
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const t of weights.all) t.dispose();
    },
  };
}
