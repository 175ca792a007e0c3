"""Seeing a graph: drawings (DOT, SVG, PNG) and, in Jupyter, inline pictures.

- :mod:`micrograd.viz.graph`: ``draw_dot``, ``render``, ``to_svg`` and the renderer lookup.
- :mod:`micrograd.viz.explorer`: ``explore``, one offline HTML page that steps through
  backprop on your own graph and recomputes live when you change a leaf.
- :mod:`micrograd.viz.network`: a model's graph as layers of neurons (``find_network``),
  and ``diagnose``: dead and saturated neurons, each layer's gradient norm.
- :mod:`micrograd.viz.training`: ``TrainingRecorder``, one offline page of a whole training
  run, scrubbed step by step, any data point opened in the explorer.
"""

from micrograd.viz.explorer import Explorer, explore
from micrograd.viz.graph import (
    INLINE_MAX_NODES,
    INLINE_TIMEOUT,
    MAX_NODES,
    RendererNotFound,
    draw_dot,
    draw_step,
    escape_label,
    find_renderer,
    jupyter_bundle,
    render,
    show_in_ipython,
    step_bundle,
    to_svg,
)
from micrograd.viz.network import Diagnosis, NeuronReport, diagnose, find_network
from micrograd.viz.training import TrainingRecorder

__all__ = [
    "INLINE_MAX_NODES",
    "INLINE_TIMEOUT",
    "MAX_NODES",
    "Diagnosis",
    "Explorer",
    "NeuronReport",
    "RendererNotFound",
    "TrainingRecorder",
    "diagnose",
    "draw_dot",
    "draw_step",
    "escape_label",
    "explore",
    "find_network",
    "find_renderer",
    "jupyter_bundle",
    "render",
    "show_in_ipython",
    "step_bundle",
    "to_svg",
]
