"""Remote text through Kivy markup is shown literally: the markup renderer sees no tags in it."""

import pytest

from ui.markup import escape

TRAP = "[color=ff0000]x[/color] & [b]co[/b] &amp;"


def test_escape_replaces_the_three_markup_characters() -> None:
    assert escape(TRAP) == (
        "&bl;color=ff0000&br;x&bl;/color&br; &amp; &bl;b&br;co&bl;/b&br; &amp;amp;")
    assert escape("plain text, no tags") == "plain text, no tags"


def rendered_words(markup: str) -> list[tuple[str, tuple, bool]]:
    from kivy.core.text.markup import MarkupLabel
    from kivy.core.window import Window  # noqa: F401 - the text provider needs a window

    label = MarkupLabel(text=markup, font_size=14)
    label.refresh()
    return [(w.text, tuple(w.options["color"]), bool(w.options["bold"]))
            for line in label._cached_lines for w in line.words]


@pytest.mark.gui
def test_markup_renderer_shows_escaped_text_literally_without_colour() -> None:
    words = rendered_words("[b]" + escape(TRAP) + "[/b]")
    assert "".join(w[0] for w in words) == TRAP
    assert all(color == (1, 1, 1, 1) and bold for _, color, bold in words)


@pytest.mark.gui
def test_unescaped_markup_would_have_applied() -> None:
    """The check above can fail: the same text unescaped turns red and loses its tags."""
    words = rendered_words(TRAP)
    assert "".join(w[0] for w in words) != TRAP
    assert any(color[:3] == (1, 0, 0) for _, color, _ in words)
