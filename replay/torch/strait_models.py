"""The replay engine's real models in PyTorch, built in code with seeded random weights.

The same names, sizes and phases as the TensorFlow.js models (replay/real-models.ts):

  model         shape                                                    input / item        output / item
  mlp           784-1024-1024-10, ReLU                                   784 floats          10 logits
  mobilenet_v2  MobileNetV2 x0.35 (17 inverted residual blocks)          3x64x64 image       1000 logits
  resnet152     ResNet-152 depth (3-8-36-3 bottlenecks), base width 16   3x64x64 image       1000 logits
  bert_base     BERT encoder: 6 layers (2 per phase), hidden 96, 4 heads  16 token ids (int32) 96 (pooled)

Images are NCHW here (NHWC in TensorFlow.js): the element count per item is the same.
Batch normalisation is folded into convolution biases (inference form). Weights are drawn
on the CPU from one torch.Generator seeded by the model seed, then moved to the device, so
every worker (and every device) has identical weights. Only torch is needed, and only
APIs that torch 1.13 and 2.x share.
"""
import math

import torch
import torch.nn.functional as F

MLP = {"input": 784, "hidden": [1024, 1024], "output": 10}
IMAGE = 64
CLASSES = 1000
MOBILENET_ALPHA = 0.35
MOBILENET_LAST = 1280
# Inverted residual settings: expansion t, channels c, repeats n, stride s.
MOBILENET_BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
MOBILENET_SPLIT = 7
RESNET_WIDTH = 16
RESNET_BLOCKS = [3, 8, 36, 3]
BERT = {"vocab": 30522, "seq": 16, "hidden": 96, "heads": 4, "ffn": 384, "layers_per_phase": 2}

PHASES = {
    "mobilenet_v2": ["stem", "blocks-1-7", "blocks-8-17", "head"],
    "resnet152": ["stem", "stage-1", "stage-2", "stage-3", "stage-4", "head"],
    "bert_base": ["embeddings", "layers-1-4", "layers-5-8", "layers-9-12", "pooler"],
    "mlp": ["hidden", "output"],
}

MODEL_NAMES = list(PHASES)


def item_shape(name):
    """Per-item input shape, in the layout each model takes."""
    if name == "bert_base":
        return [BERT["seq"]]
    if name == "mlp":
        return [MLP["input"]]
    return [3, IMAGE, IMAGE]


def input_dtype(name):
    return torch.int32 if name == "bert_base" else torch.float32


def output_elements_per_item(name):
    return {"mobilenet_v2": CLASSES, "resnet152": CLASSES, "bert_base": BERT["hidden"], "mlp": MLP["output"]}[name]


def fill_input(name, tensor):
    """Deterministic input values: (i % 97) / 97 for floats, spread valid token ids for BERT."""
    n = tensor.numel()
    index = torch.arange(n, dtype=torch.int64)
    if name == "bert_base":
        values = (index * 7919) % BERT["vocab"]
    else:
        values = (index % 97).to(torch.float32) / 97
    tensor.view(-1).copy_(values.to(tensor.dtype))
    return tensor


class Weights:
    """Seeded weights: every tensor drawn in order from one generator."""

    def __init__(self, seed):
        self.generator = torch.Generator().manual_seed(int(seed))
        self.all = []

    def normal(self, shape, std):
        t = torch.randn(shape, generator=self.generator) * std
        self.all.append(t)
        return t

    def bias(self, n):
        return self.normal([n], 0.01)


class Conv:
    def __init__(self, w, k, cin, cout, stride, activation, gain=1.0, groups=1):
        fan_in = k * k * (cin // groups)
        self.weight = w.normal([cout, cin // groups, k, k], gain * math.sqrt(2 / fan_in))
        self.bias = w.bias(cout)
        self.stride = stride
        self.padding = k // 2
        self.groups = groups
        self.activation = activation

    def to(self, device):
        self.weight = self.weight.to(device)
        self.bias = self.bias.to(device)
        return self

    def __call__(self, x):
        y = F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding, groups=self.groups)
        return activate(y, self.activation)


class Dense:
    def __init__(self, w, nin, nout, activation, gain=1.0):
        std = gain * math.sqrt((1 if activation == "linear" else 2) / nin)
        self.weight = w.normal([nout, nin], std)
        self.bias = w.bias(nout)
        self.activation = activation

    def to(self, device):
        self.weight = self.weight.to(device)
        self.bias = self.bias.to(device)
        return self

    def __call__(self, x):
        return activate(F.linear(x, self.weight, self.bias), self.activation)


def activate(y, activation):
    if activation == "relu":
        return F.relu(y)
    if activation == "relu6":
        return F.hardtanh(y, 0.0, 6.0)
    return y


def make_divisible(v, divisor=8):
    return max(divisor, int((v + divisor / 2) // divisor) * divisor)


def build_mlp(w):
    dims = [MLP["input"]] + MLP["hidden"]
    hidden = [Dense(w, dims[i], n, "relu") for i, n in enumerate(dims[1:])]
    out = Dense(w, dims[-1], MLP["output"], "linear")

    def run_hidden(x):
        for d in hidden:
            x = d(x)
        return x

    return [run_hidden, out], hidden + [out]


def build_mobilenet_v2(w):
    a = MOBILENET_ALPHA
    stem_channels = make_divisible(32 * a)
    stem = Conv(w, 3, 3, stem_channels, 2, "relu6")
    blocks = []
    cin = stem_channels
    for t, c, n, s in MOBILENET_BLOCKS:
        cout = make_divisible(c * a)
        for i in range(n):
            stride = s if i == 0 else 1
            mid = cin * t
            residual = stride == 1 and cin == cout
            blocks.append(
                {
                    "expand": None if t == 1 else Conv(w, 1, cin, mid, 1, "relu6"),
                    "dw": Conv(w, 3, mid, mid, stride, "relu6", groups=mid),
                    "project": Conv(w, 1, mid, cout, 1, "linear", 0.3 if residual else 1.0),
                    "residual": residual,
                }
            )
            cin = cout
    last = make_divisible(MOBILENET_LAST * max(1.0, a))
    head_conv = Conv(w, 1, cin, last, 1, "relu6")
    fc = Dense(w, last, CLASSES, "linear")

    def run_blocks(chosen):
        def run(x):
            for b in chosen:
                e = b["expand"](x) if b["expand"] is not None else x
                p = b["project"](b["dw"](e))
                x = x + p if b["residual"] else p
            return x

        return run

    def head(x):
        return fc(head_conv(x).mean(dim=(2, 3)))

    layers = [stem, head_conv, fc] + [l for b in blocks for l in (b["expand"], b["dw"], b["project"]) if l is not None]
    return [stem, run_blocks(blocks[:MOBILENET_SPLIT]), run_blocks(blocks[MOBILENET_SPLIT:]), head], layers


def build_resnet152(w):
    base = RESNET_WIDTH
    stem = Conv(w, 7, 3, base * 4, 2, "relu")
    cin = base * 4
    stages = []
    layers = [stem]
    for s, n in enumerate(RESNET_BLOCKS):
        mid = base * 2**s
        cout = mid * 4
        stage = []
        for i in range(n):
            stride = 2 if i == 0 and s > 0 else 1
            block = {
                "reduce": Conv(w, 1, cin, mid, 1, "relu"),
                "spatial": Conv(w, 3, mid, mid, stride, "relu"),
                # A near-zero last branch conv keeps the 50-block residual sum bounded.
                "expand": Conv(w, 1, mid, cout, 1, "linear", 0.2),
                "shortcut": Conv(w, 1, cin, cout, stride, "linear") if stride != 1 or cin != cout else None,
            }
            layers += [l for l in block.values() if l is not None]
            stage.append(block)
            cin = cout
        stages.append(stage)
    fc = Dense(w, cin, CLASSES, "linear")
    layers.append(fc)

    def run_stage(stage):
        def run(x):
            for b in stage:
                branch = b["expand"](b["spatial"](b["reduce"](x)))
                skip = b["shortcut"](x) if b["shortcut"] is not None else x
                x = F.relu(skip + branch)
            return x

        return run

    def run_stem(x):
        return F.max_pool2d(stem(x), 3, 2, 1)

    def head(x):
        return fc(x.mean(dim=(2, 3)))

    return [run_stem] + [run_stage(s) for s in stages] + [head], layers


class LayerNorm:
    def __init__(self, h):
        self.weight = torch.ones(h)
        self.bias = torch.zeros(h)

    def to(self, device):
        self.weight = self.weight.to(device)
        self.bias = self.bias.to(device)
        return self

    def __call__(self, x):
        return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, 1e-12)


class Embeddings:
    def __init__(self, w):
        self.words = w.normal([BERT["vocab"], BERT["hidden"]], 0.5)
        self.positions = w.normal([BERT["seq"], BERT["hidden"]], 0.5)
        self.norm = LayerNorm(BERT["hidden"])

    def to(self, device):
        self.words = self.words.to(device)
        self.positions = self.positions.to(device)
        self.norm.to(device)
        return self

    def __call__(self, ids):
        return self.norm(F.embedding(ids.long(), self.words) + self.positions)


def build_bert(w):
    seq, h, heads, ffn, per_phase = BERT["seq"], BERT["hidden"], BERT["heads"], BERT["ffn"], BERT["layers_per_phase"]
    head_dim = h // heads
    embeddings = Embeddings(w)
    encoder_layers = []
    for _ in range(3 * per_phase):
        encoder_layers.append(
            {
                "q": Dense(w, h, h, "linear"),
                "k": Dense(w, h, h, "linear"),
                "v": Dense(w, h, h, "linear"),
                "o": Dense(w, h, h, "linear"),
                "ln1": LayerNorm(h),
                "up": Dense(w, h, ffn, "linear"),
                "down": Dense(w, ffn, h, "linear"),
                "ln2": LayerNorm(h),
            }
        )
    pooler = Dense(w, h, h, "linear")
    scale = 1 / math.sqrt(head_dim)

    def split_heads(x, b):
        return x.reshape(b, seq, heads, head_dim).permute(0, 2, 1, 3)

    def encoder(x, layer):
        b = x.shape[0]
        q, k, v = (split_heads(layer[n](x), b) for n in ("q", "k", "v"))
        probs = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * scale, dim=-1)
        context = torch.matmul(probs, v).permute(0, 2, 1, 3).reshape(b, seq, h)
        attended = layer["ln1"](x + layer["o"](context))
        up = layer["up"](attended)
        gelu = up * torch.sigmoid(up * 1.702)  # GELU, sigmoid approximation (as in TensorFlow.js)
        return layer["ln2"](attended + layer["down"](gelu))

    def run_layers(start):
        def run(x):
            for layer in encoder_layers[start : start + per_phase]:
                x = encoder(x, layer)
            return x

        return run

    def pool(x):
        return torch.tanh(pooler(x[:, 0, :]))

    layers = [embeddings, pooler] + [l for layer in encoder_layers for l in layer.values()]
    return [embeddings, run_layers(0), run_layers(per_phase), run_layers(2 * per_phase), pool], layers


BUILDERS = {"mobilenet_v2": build_mobilenet_v2, "resnet152": build_resnet152, "bert_base": build_bert, "mlp": build_mlp}


class RealModel:
    """A model as a list of phases (callables) on one device."""

    def __init__(self, name, phases, device):
        self.name = name
        self.phase_names = PHASES[name]
        self.phases = phases
        self.device = device


def build_model(name, seed, device):
    """Builds `name` with weights from `seed` on `device`; ValueError naming the known models if unknown."""
    if name not in BUILDERS:
        raise ValueError('unknown real model "%s": replay has %s' % (name, ", ".join(MODEL_NAMES)))
    phases, layers = BUILDERS[name](Weights(seed))
    if len(phases) != len(PHASES[name]):
        raise RuntimeError("real model %s: %d phases, expected %d" % (name, len(phases), len(PHASES[name])))
    for layer in layers:
        layer.to(device)
    return RealModel(name, phases, device)
