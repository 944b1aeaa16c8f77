"""HTML to plain-text paragraphs: what a reader of the story panel would see."""

from infra.html_text import html_to_text, plain


def paragraphs(html: str, **kw) -> list[str]:
    return list(html_to_text(html, **kw).paragraphs)


def test_block_structure_becomes_paragraphs() -> None:
    html = ("<h2>Council votes</h2><p>First <b>bold</b> para.</p><div>Second</div>"
            "<blockquote>A quote</blockquote><p></p><p>   </p>")
    assert paragraphs(html) == ["Council votes", "First bold para.", "Second", "A quote"]


def test_list_items_get_bullets_even_with_nested_paragraphs() -> None:
    html = "<ul><li>one</li><li><p>two</p></li><li></li></ul><ol><li>three</li></ol>"
    assert paragraphs(html) == ["• one", "• two", "• three"]


def test_br_is_a_line_break_and_double_br_a_paragraph_break() -> None:
    assert paragraphs("<p>line one<br>line two<br/><br>next para</p>") == [
        "line one\nline two", "next para"]


def test_source_newlines_and_runs_of_spaces_are_one_space() -> None:
    assert paragraphs("<p>a\n   b\t\tc&nbsp;&nbsp;d</p>") == ["a b c d"]


def test_scripts_styles_iframes_forms_svg_are_dropped_with_their_content() -> None:
    html = ("<p>keep</p><script>alert('x')</script><style>p{color:red}</style>"
            "<iframe src='https://evil'>frame text</iframe><noscript>ns</noscript>"
            "<form><input value='v'>form text</form><svg><svg><text>s</text></svg>svg</svg>"
            "<p>after</p>")
    assert paragraphs(html) == ["keep", "after"]


def test_unclosed_iframe_drops_the_rest_but_keeps_what_came_before() -> None:
    assert paragraphs("<p>before</p><iframe>never closed <p>x</p>") == ["before"]


def test_entities_are_decoded_once() -> None:
    assert paragraphs("<p>AT&amp;T &lt;b&gt; &#8220;q&#8221; &eacute;</p>") == [
        "AT&T <b> \u201cq\u201d \u00e9"]


def test_kivy_markup_stays_literal_text() -> None:
    html = "<p>[b]bold[/b] [ref=x]link[/ref] [color=ff0000]red[/color]</p>"
    assert paragraphs(html) == ["[b]bold[/b] [ref=x]link[/ref] [color=ff0000]red[/color]"]


def test_control_and_bidi_characters_are_removed() -> None:
    assert paragraphs("<p>a\x00b\x1bc\u202ed\u200be</p>") == ["abcde"]


def test_first_image_is_reported_with_alt_text() -> None:
    got = html_to_text('<p>x</p><img src=" https://e.org/a.jpg " alt=" Mayor  speaks ">'
                       '<img src="https://e.org/b.jpg">')
    assert got.first_image == ("https://e.org/a.jpg", "Mayor speaks")
    assert html_to_text("<p>no image</p>").first_image is None


def test_images_inside_dropped_content_are_ignored() -> None:
    assert html_to_text('<noscript><img src="https://e.org/t.gif"></noscript>').first_image is None


def test_total_size_is_capped_with_an_ellipsis() -> None:
    got = paragraphs("".join(f"<p>{'w' * 100}</p>" for _ in range(100)), max_chars=250)
    assert sum(len(p) for p in got) <= 250
    assert got[-1].endswith("…") and len(got) == 3


def test_tables_read_row_by_row() -> None:
    assert paragraphs("<table><tr><td>a</td><td>b</td></tr><tr><th>c</th></tr></table>") == [
        "a b", "c"]


def test_plain_strips_tags_decodes_and_collapses() -> None:
    assert plain("  AT&amp;T <em>wins</em>\n\t big  ") == "AT&T wins big"
    assert plain("<script>steal()</script>Title [b]x[/b]") == "Title [b]x[/b]"
    assert plain("a < b and c > d") == "a < b and c > d"
    assert plain("a &lt; b, R&amp;D") == "a < b, R&D"
    assert plain("&lt;em&gt;Escaped&lt;/em&gt; markup &lt;script&gt;x()&lt;/script&gt;") == (
        "Escaped markup")
    assert plain("") == ""


def test_plain_caps_length() -> None:
    assert len(plain("x" * 5000, max_chars=100)) == 100


def test_a_tag_cut_off_at_the_end_is_dropped() -> None:
    assert paragraphs("<p>text</p><SCRIPT") == ["text"]
    assert plain("Title <scr") == "Title"
