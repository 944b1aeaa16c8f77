"""HTML to plain-text paragraphs: what a reader of the story panel would see."""

from hypothesis import given
from hypothesis import strategies as st

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


def test_images_are_listed_with_their_attributes_and_figure() -> None:
    got = html_to_text('<p><img src="https://e.org/spacer.gif" width="1" height="1"></p>'
                       '<figure><img src="https://e.org/a.jpg" alt="A" width="1200" '
                       'height="800" class="Image"></figure>'
                       '<img src="data:image/gif;base64,R0lGOD" data-lazy-src="/lazy.jpg">')
    assert [(i.src, i.width, i.height, i.figure) for i in got.images] == [
        ("https://e.org/spacer.gif", "1", "1", None), ("https://e.org/a.jpg", "1200", "800", 0),
        ("/lazy.jpg", "", "", None)]
    assert got.images[1].classes == "Image" and got.first_image == ("https://e.org/spacer.gif", "")


GROVE_FIGURE = (
    '<figure class="Figure"><picture><img class="Image" src="https://e.org/lead.jpg" alt="alt">'
    '</picture><div class="Figure-content"><figcaption class="Figure-caption">The mayor '
    "speaks<br>at City Hall.</figcaption><div class=\"Figure-credit\"><p>Jane Doe / KCUR 89.3"
    "</p></div></div></figure>")


def test_a_grove_figure_keeps_its_caption_and_credit_and_which_paragraphs_hold_them() -> None:
    got = html_to_text(GROVE_FIGURE + "<p>First.</p>" + GROVE_FIGURE + "<p>Last.</p>")
    assert got.paragraphs == ("The mayor speaks\nat City Hall.", "Jane Doe / KCUR 89.3", "First.",
                              "The mayor speaks\nat City Hall.", "Jane Doe / KCUR 89.3", "Last.")
    lead, inline = got.figures
    assert (lead.caption, lead.credit, lead.paragraphs, lead.leading) == (
        "The mayor speaks at City Hall.", "Jane Doe / KCUR 89.3", (0, 1), True)
    assert (inline.paragraphs, inline.leading) == ((3, 4), False)
    assert got.without_figure(0) == ("First.", "The mayor speaks\nat City Hall.",
                                     "Jane Doe / KCUR 89.3", "Last.")
    assert got.without_figure(None) == got.paragraphs == got.without_figure(7)


def test_an_inline_credit_is_told_apart_from_the_caption() -> None:
    got = html_to_text("<figure><img src='a.jpg'><figcaption>Fans cheer. <span "
                       "class='credit'>Photo: A. B.</span></figcaption></figure><p>Body.</p>")
    [fig] = got.figures
    assert (fig.caption, fig.credit) == ("Fans cheer.", "Photo: A. B.")
    assert got.without_figure(0) == ("Body.",)


def test_nested_divs_inside_a_figure_do_not_end_it_early() -> None:
    got = html_to_text('<div class="Figure"><div><div><img src="a.jpg"></div></div>'
                       '<div class="Figure-caption"><div>Cap</div> tion</div></div>'
                       "<div>After</div><figcaption>stray</figcaption>")
    [fig] = got.figures
    assert fig.caption == "Cap tion" and got.without_figure(0) == ("After", "stray")


def test_an_unclosed_figure_is_closed_by_its_parent() -> None:
    got = html_to_text('<div><div class="wp-caption"><img src="a.jpg"><p class="wp-caption-text">'
                       "Cap</div><p>Body</p></div>")
    assert got.figures[0].caption == "Cap" and got.without_figure(0) == ("Body",)


def test_a_list_item_without_text_leaves_no_bullet_behind() -> None:
    html = ('<ul class="share"><li><a href="x"><img src="fb.png"></a></li>'
            '<li><img src="tw.png"></li></ul><p>Story text.</p>')
    assert paragraphs(html) == ["Story text."]


@given(st.lists(st.one_of(st.text(max_size=10), st.sampled_from([
    "<figure>", "</figure>", "<figcaption>", "</figcaption>", '<div class="Figure">', "<div>",
    "</div>", '<span class="Figure-credit">', "</span>", "<p>", "</p>", "<img src='a.jpg'>",
    "<br>", "<li>", "</ul>", "<script>"])), max_size=40).map("".join))
def test_figures_point_at_their_own_paragraphs(html: str) -> None:
    got = html_to_text(html)
    for index, fig in enumerate(got.figures):
        assert all(0 <= i < len(got.paragraphs) for i in fig.paragraphs)
        assert len(got.without_figure(index)) == len(got.paragraphs) - len(fig.paragraphs)
        assert "\n" not in fig.caption + fig.credit
    assert all(i.figure is None or 0 <= i.figure < len(got.figures) for i in got.images)


def test_markup_that_made_html_parser_raise_is_read_as_browsers_do() -> None:
    html = "<p>before</p><![foo[ x ]]><p>middle <![ 1</p><p>after</br>line</p>"
    assert paragraphs(html) == ["before", "middle", "after\nline"]


def test_a_page_nested_too_deep_is_read_up_to_the_cap_with_one_log_line(caplog) -> None:
    from infra.html_events import MAX_DEPTH

    deep = "<p>kept</p>" + "<div>" * (MAX_DEPTH + 10) + "lost" + "</div>" * (MAX_DEPTH + 10)
    with caplog.at_level("INFO", logger="infra.html_events"):
        got = html_to_text(deep, source="KCUR feed item 3")
    assert got.paragraphs == ("kept",)
    assert [r.getMessage() for r in caplog.records] == [
        f"KCUR feed item 3: nested deeper than {MAX_DEPTH} elements; the rest is not read"]
    assert paragraphs("<p>next page</p>") == ["next page"]  # the parser starts afresh


def test_nul_and_lone_surrogates_never_reach_the_text() -> None:
    got = paragraphs("<p>a\x00b\ud800c</p><img src='x\x00.jpg' alt='\udfffalt'>")
    assert got == ["abc"]
    assert html_to_text("<img src='x\x00.jpg' alt='\udfffalt'>").first_image == ("x.jpg", "alt")
    assert plain("Title \ud800\x00") == "Title"
