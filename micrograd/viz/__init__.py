"""Seeing a graph: drawings (DOT, SVG, PNG) and, in Jupyter, inline pictures.

- :mod:`micrograd.viz.graph`: ``draw_dot``, ``render``, ``to_svg`` and the renderer lookup.
"""

from micrograd.viz.graph import (
    MAX_NODES,
    RendererNotFound,
    draw_dot,
    escape_label,
    find_renderer,
    jupyter_bundle,
    render,
    to_svg,
)

__all__ = [
    "MAX_NODES",
    "RendererNotFound",
    "draw_dot",
    "escape_label",
    "find_renderer",
    "jupyter_bundle",
    "render",
    "to_svg",
]
