"""Scrolling views clipped with a scissor instead of Kivy's stencil.

Kivy's ScrollView is a StencilView: every frame it draws its whole area into the
stencil buffer twice (push and pop), and under software GL (llvmpipe, no GPU)
each quad costs as much as painting that area. A scissor clips for free. The kv
rule (clipping.kv) replaces the StencilView and ScrollView rules and draws the
same scroll bars. The scissor is in window coordinates: these views must not sit
inside a RelativeLayout or a Scatter (none of On Air's do).
"""

from __future__ import annotations

from importlib.resources import files

from kivy.lang import Builder
from kivy.uix.recycleview import RecycleView
from kivy.uix.scrollview import ScrollView

_KV = str(files("ui") / "clipping.kv")


class ClippedScrollView(ScrollView):
    """A ScrollView clipped with a scissor."""


class ClippedRecycleView(RecycleView):
    """A RecycleView clipped with a scissor."""


if _KV not in Builder.files:
    Builder.load_file(_KV)
