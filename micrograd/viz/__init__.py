"""Seeing a graph: drawings (DOT, SVG, PNG) and, in Jupyter, inline pictures.

- :mod:`micrograd.viz.graph`: ``draw_dot``, ``render``, ``to_svg`` and the renderer lookup.
- :mod:`micrograd.viz.explorer`: ``explore``, one offline HTML page that steps through
  backprop on your own graph and recomputes live when you change a leaf.
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

__all__ = [
    "INLINE_MAX_NODES",
    "INLINE_TIMEOUT",
    "MAX_NODES",
    "Explorer",
    "RendererNotFound",
    "draw_dot",
    "draw_step",
    "escape_label",
    "explore",
    "find_renderer",
    "jupyter_bundle",
    "render",
    "show_in_ipython",
    "step_bundle",
    "to_svg",
]
