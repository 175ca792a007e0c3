"""The microgpt-shaped scalar GPT, written op by op on plain Python lists.

    python gpt.py IMPLEMENTATION [STEPS]

IMPLEMENTATION is ``ours`` (micrograd.Value) or ``microgpt`` (microgpt_value.py).
The same model code runs on either Value: character-level names, one layer,
16-dim embeddings, 4 heads, block 16, RMSNorm, a ReLU MLP and Adam.  Prints
JSON: the seconds of each training step (the first, cold one included; the
caller drops it) and each step's loss.  ``replay.py`` imports :class:`MicroGPT`
to time the same step on a tape.
"""

import json
import random
import sys
import time
from pathlib import Path

NAMES = Path(__file__).resolve().parent.parent / "micrograd" / "data" / "names.txt"
n_embd, n_head, n_layer, block_size = 16, 4, 1, 16
head_dim = n_embd // n_head


class MicroGPT:
    """The model and its data, drawn from ``random`` seeded with 42, on the given Value."""

    def __init__(self, Value):
        self.Value = Value
        docs = [line.strip() for line in NAMES.read_text().splitlines() if line.strip()]
        random.seed(42)
        random.shuffle(docs)
        self.docs = docs
        self.chars = sorted(set("".join(docs)))
        self.BOS = len(self.chars)
        vocab_size = len(self.chars) + 1
        self.state = {"wte": self.matrix(vocab_size, n_embd)}
        self.state["wpe"] = self.matrix(block_size, n_embd)
        self.state["lm_head"] = self.matrix(vocab_size, n_embd)
        for i in range(n_layer):
            for name in ("wq", "wk", "wv", "wo"):
                self.state[f"layer{i}.attn_{name}"] = self.matrix(n_embd, n_embd)
            self.state[f"layer{i}.mlp_fc1"] = self.matrix(4 * n_embd, n_embd)
            self.state[f"layer{i}.mlp_fc2"] = self.matrix(n_embd, 4 * n_embd)
        self.params = [p for mat in self.state.values() for row in mat for p in row]

    def matrix(self, nout, nin, std=0.08):
        return [[self.Value(random.gauss(0, std)) for _ in range(nin)] for _ in range(nout)]

    def gpt(self, token_id, pos_id, keys, values):
        state = self.state
        x = [t + p for t, p in zip(state["wte"][token_id], state["wpe"][pos_id])]
        x = rmsnorm(x)
        for li in range(n_layer):
            residual = x
            x = rmsnorm(x)
            q = linear(x, state[f"layer{li}.attn_wq"])
            k = linear(x, state[f"layer{li}.attn_wk"])
            v = linear(x, state[f"layer{li}.attn_wv"])
            keys[li].append(k)
            values[li].append(v)
            x_attn = []
            for h in range(n_head):
                hs = h * head_dim
                q_h = q[hs : hs + head_dim]
                k_h = [ki[hs : hs + head_dim] for ki in keys[li]]
                v_h = [vi[hs : hs + head_dim] for vi in values[li]]
                logits = [
                    sum(q_h[j] * k_h[t][j] for j in range(head_dim)) / head_dim**0.5
                    for t in range(len(k_h))
                ]
                weights = softmax(logits)
                x_attn.extend(
                    sum(weights[t] * v_h[t][j] for t in range(len(v_h))) for j in range(head_dim)
                )
            x = linear(x_attn, state[f"layer{li}.attn_wo"])
            x = [a + b for a, b in zip(x, residual)]
            residual = x
            x = rmsnorm(x)
            x = linear(x, state[f"layer{li}.mlp_fc1"])
            x = [xi.relu() for xi in x]
            x = linear(x, state[f"layer{li}.mlp_fc2"])
            x = [a + b for a, b in zip(x, residual)]
        return linear(x, state["lm_head"])

    def loss(self, doc):
        """The mean loss of predicting each next character of ``doc``: one step's graph."""
        tokens = [self.BOS] + [self.chars.index(ch) for ch in doc] + [self.BOS]
        n = min(block_size, len(tokens) - 1)
        keys, values = [[] for _ in range(n_layer)], [[] for _ in range(n_layer)]
        step_losses = []
        for pos_id in range(n):
            token_id, target_id = tokens[pos_id], tokens[pos_id + 1]
            probs = softmax(self.gpt(token_id, pos_id, keys, values))
            step_losses.append(-probs[target_id].log())
        return (1 / n) * sum(step_losses)


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]


def softmax(logits):
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def main():
    sys.setrecursionlimit(10_000)  # microgpt's recursive sort, on ~65,000-node graphs
    implementation = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    if implementation == "ours":
        from micrograd import Value
    else:
        sys.path.insert(0, str(Path(__file__).parent))
        from microgpt_value import Value
    model = MicroGPT(Value)
    params = model.params
    learning_rate, beta1, beta2, eps = 0.01, 0.85, 0.99, 1e-8
    m = [0.0] * len(params)
    v = [0.0] * len(params)
    seconds, losses = [], []
    for step in range(steps):
        start = time.perf_counter()
        loss = model.loss(model.docs[step % len(model.docs)])
        loss.backward()
        lr_t = learning_rate * (1 - step / steps)
        for i, p in enumerate(params):
            m[i] = beta1 * m[i] + (1 - beta1) * p.grad
            v[i] = beta2 * v[i] + (1 - beta2) * p.grad**2
            m_hat = m[i] / (1 - beta1 ** (step + 1))
            v_hat = v[i] / (1 - beta2 ** (step + 1))
            p.data -= lr_t * m_hat / (v_hat**0.5 + eps)
            p.grad = 0
        seconds.append(time.perf_counter() - start)
        losses.append(loss.data)
    print(json.dumps({"seconds": seconds, "losses": losses}))


if __name__ == "__main__":
    main()
