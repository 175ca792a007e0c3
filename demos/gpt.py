"""A GPT from scalar Values, in the spirit of Karpathy's microgpt.

This file is the whole model.  Read it top to bottom: each block is one idea.

The model reads a name one character at a time and, after each character,
gives a score (a logit) to every character that could come next.  Training
(in demos/names.py) nudges the weights so the true next character scores high.

The shape: one transformer layer, 16 numbers per token (n_embd), 4 attention
heads of 4 numbers each, at most 16 positions (block_size), no biases
anywhere.  About 4,200 weights, every one a Value.
"""

from __future__ import annotations

import math
import random

from micrograd.engine import Value, linear
from micrograd.nn import Embedding, Linear, Module, rmsnorm, softmax

# The tokens: 26 letters, and one more token that marks both the start and the end
# of a name ("BOS", beginning of sequence).  "emma" is trained as BOS e m m a BOS.
CHARS = "abcdefghijklmnopqrstuvwxyz"
BOS = len(CHARS)
VOCAB_SIZE = len(CHARS) + 1


class GPT(Module):
    """One transformer layer over characters, run one token at a time with a cache.

    ``model(token, cache)`` returns ``(logits, cache)``: a score for every possible
    next token, and the cache extended by this token's keys and values.  Start a
    name with ``cache=None``.

    >>> model = GPT(rng=random.Random(0))
    >>> logits, cache = model(BOS, None)
    >>> logits, cache = model(CHARS.index("e"), cache)
    >>> len(logits), len(cache.keys)
    (27, 2)
    """

    def __init__(
        self,
        n_embd: int = 16,
        n_head: int = 4,
        block_size: int = 16,
        rng: random.Random | None = None,
    ) -> None:
        rng = random if rng is None else rng
        self.n_embd, self.n_head, self.block_size = n_embd, n_head, block_size
        self.head_dim = n_embd // n_head
        # Token and position embeddings: what a character is, and where it stands.
        self.wte = Embedding(VOCAB_SIZE, n_embd, rng=rng)
        self.wpe = Embedding(block_size, n_embd, rng=rng)
        # Attention: each position makes a query, a key and a value from its vector.
        self.wq = Linear(n_embd, n_embd, bias=False, rng=rng)
        self.wk = Linear(n_embd, n_embd, bias=False, rng=rng)
        self.wv = Linear(n_embd, n_embd, bias=False, rng=rng)
        self.wo = Linear(n_embd, n_embd, bias=False, rng=rng)
        # The MLP: widen to 4x, ReLU, narrow back.
        self.fc1 = Linear(n_embd, 4 * n_embd, bias=False, rng=rng)
        self.fc2 = Linear(4 * n_embd, n_embd, bias=False, rng=rng)
        # The head: a score for every token.
        self.lm_head = Linear(n_embd, VOCAB_SIZE, bias=False, rng=rng)
        # Every weight starts small (std 0.08, as microgpt), embeddings included: at
        # the start the model guesses nearly uniformly, a loss near log(27) = 3.3.
        for p in self.parameters():
            p.data = rng.gauss(0.0, 0.08)

    def parameters(self) -> list[Value]:
        layers = [self.wte, self.wpe, self.wq, self.wk, self.wv, self.wo]
        layers += [self.fc1, self.fc2, self.lm_head]
        return [p for layer in layers for p in layer.parameters()]

    def __call__(self, token: int, cache: Cache | None) -> tuple[list[Value], Cache]:
        cache = Cache() if cache is None else cache
        position = len(cache.keys)
        if position >= self.block_size:
            raise ValueError(f"GPT: at most {self.block_size} tokens, got one more")

        # 1. Embed: the token's vector plus its position's vector, then normalise.
        x = [t + p for t, p in zip(self.wte(token), self.wpe(position))]
        x = rmsnorm(x)

        # 2. Attention.  This position's query is compared with the keys of every
        #    position so far (the cache holds them: earlier positions never change,
        #    and later ones don't exist yet, so attention is causal by construction).
        residual = x
        x = rmsnorm(x)
        q, k, v = self.wq(x), self.wk(x), self.wv(x)
        cache.keys.append(k)
        cache.values.append(v)
        heads = []
        for h in range(self.n_head):
            part = slice(h * self.head_dim, (h + 1) * self.head_dim)
            q_h = q[part]
            # How well this query matches each key: a dot product, scaled by
            # 1/sqrt(head_dim) so the scores don't grow with the head's size.
            scores = [
                linear(q_h, keys[part], Value(0.0)) * (1 / math.sqrt(self.head_dim))
                for keys in cache.keys
            ]
            weights = softmax(scores)
            # The head's output: the values, mixed in those proportions.
            for j in range(part.start, part.stop):
                heads.append(linear(weights, [vals[j] for vals in cache.values], Value(0.0)))
        x = self.wo(heads)
        x = [a + b for a, b in zip(x, residual)]  # the residual connection

        # 3. MLP, applied to each position on its own.
        residual = x
        x = rmsnorm(x)
        x = [h.relu() for h in self.fc1(x)]
        x = self.fc2(x)
        x = [a + b for a, b in zip(x, residual)]

        # 4. A score for each possible next token.
        return self.lm_head(x), cache


class Cache:
    """The keys and values of the positions seen so far, one list per position."""

    def __init__(self) -> None:
        self.keys: list[list[Value]] = []
        self.values: list[list[Value]] = []
