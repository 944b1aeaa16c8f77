"""The look: icon buttons drawn from the shipped icon font with tooltips on a real hover, the
LIVE badge only while live audio plays, light and dark palettes repainting live, font scale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.ui.conftest import screenshot, wait_until
from tests.ui.x_input import needs_xdotool, pointer_away, pointer_to, wait_x

pytestmark = pytest.mark.gui
UI = Path(__file__).resolve().parents[2] / "ui"
FONT = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "MaterialIcons-Regular.ttf"


@pytest.fixture(autouse=True)
def dark_again():
    """The theme is one per process: every test leaves it dark at scale 1."""
    yield
    from ui.theme import THEME

    THEME.apply("dark", 1.0)


@pytest.fixture
def bar(show, player, guide, guide_clock, stations):
    from ui.player_bar import PlayerBar

    player.select(stations[0])
    return show(PlayerBar(player=player, guide=guide, clock=guide_clock))


def ink(texture) -> int:
    """How many pixels of a label's texture are drawn (alpha over half)."""
    return sum(1 for a in texture.pixels[3::4] if a > 128)


def rendered(text: str, font_name: str, size: float = 24):
    from kivy.core.text import Label as CoreLabel

    label = CoreLabel(text=text, font_name=font_name, font_size=size)
    label.refresh()
    return label.texture


def test_every_kv_file_imports_the_live_theme():
    # Kivy's kv globals are one per process: one file importing the module instead would
    # leave the widgets built after it deaf to theme changes.
    imports = {p.name: re.findall(r"^#:import theme (\S+)$", p.read_text(), re.M)
               for p in UI.glob("*.kv")}
    assert imports["player_bar.kv"] == ["ui.theme.THEME"]
    wrong = {name: found for name, found in imports.items()
             if found and found != ["ui.theme.THEME"]}
    assert wrong == {}


def test_the_icon_font_ships_with_its_licence():
    assert FONT.is_file() and FONT.stat().st_size > 100_000
    licence = (FONT.parent / "LICENSE-MaterialIcons.txt").read_text()
    assert "Apache License" in licence and "Version 2.0" in licence


def test_icon_buttons_draw_their_glyphs_from_the_shipped_font(bar, window):
    from ui.icons import GLYPHS, glyph

    buttons = {"play": bar.ids.play, "stop": bar.ids.stop, "mute": bar.ids.mute,
               "back": bar.ids.skip_back, "forward": bar.ids.skip_forward}
    drawn = {}
    for name, button in buttons.items():
        assert Path(button.font_name).resolve() == FONT.resolve() or \
            button.font_name == "OnAirIcons", button.font_name
        assert button.text == glyph(button.icon) and button.text in GLYPHS.values()
        assert button.texture is not None and ink(button.texture) > 40, name
        drawn[name] = bytes(button.texture.pixels)
    assert len(set(drawn.values())) == 5, "each button its own glyph"
    assert bar.ids.skip_back.disabled, "nothing held: no skipping back"
    # The same code point in the text font is no such glyph (a private-use character):
    # what the buttons show comes from the icon font.
    in_text_font = rendered(glyph("play"), "Roboto")
    assert bytes(in_text_font.pixels) != bytes(rendered(glyph("play"), str(FONT)).pixels)
    screenshot(window, "look_icon_buttons")


def test_play_turns_into_pause_and_mute_lights(bar, player):
    from tests.ui.conftest import click

    click(bar.ids.play)
    wait_until(lambda: bar.ids.play.icon == "pause", what="the pause icon")
    assert bar.ids.play.tooltip == "Pause (Space)"
    click(bar.ids.mute)
    assert player.muted and bar.ids.mute.icon == "muted" and bar.ids.mute.lit
    assert bar.ids.mute.tooltip == "Unmute (M)"


@needs_xdotool
def test_a_real_hover_shows_each_tooltip(bar, window):
    from ui.tooltip import shown_tooltip

    for button, words in ((bar.ids.play, "Play (Space)"), (bar.ids.stop, "Stop"),
                          (bar.ids.mute, "Mute (M)")):
        pointer_to(button)
        wait_x(lambda words=words: shown_tooltip() == words, 5, f"tooltip {words!r}")
    label = next(w for w in window.children if getattr(w, "owner_uid", None) is not None)
    assert label.y + label.height <= bar.ids.mute.to_window(*bar.ids.mute.pos)[1] or \
        label.y >= bar.ids.mute.to_window(*bar.ids.mute.pos)[1] + bar.ids.mute.height
    assert 0 <= label.x and label.right <= window.width
    screenshot(window, "look_tooltip")
    pointer_away()
    wait_x(lambda: shown_tooltip() == "", 5, "the tooltip gone")


def test_live_badge_only_while_live_audio_plays(bar, player, fake_backend):
    from tests.ui.conftest import click

    seen: list[tuple[str, float]] = []
    player.bind(state=lambda _p, state: seen.append((state, bar.ids.live_badge.opacity)))
    click(bar.ids.play)
    wait_until(lambda: player.state == "playing", what="playing")
    wait_until(lambda: bar.ids.live_badge.opacity == 1, what="LIVE shown")
    assert ("connecting", 0) in seen
    fake_backend.unreachable.add(player.station.streams[0].url)
    fake_backend.drop()
    wait_until(lambda: player.state == "reconnecting", 10, "reconnecting")
    assert bar.ids.live_badge.opacity == 0
    fake_backend.unreachable.clear()
    wait_until(lambda: player.state == "playing", 10, "playing again")
    wait_until(lambda: bar.ids.live_badge.opacity == 1, what="LIVE again")


def test_light_theme_repaints_what_is_on_screen(bar, window):
    from ui.theme import THEME, colour

    assert tuple(bar.ids.station_name.color) == colour("TEXT", "dark")
    dark = screenshot(window, "look_bar_dark").read_bytes()
    THEME.apply("light")
    wait_until(lambda: tuple(bar.ids.station_name.color) == colour("TEXT", "light"),
               what="the name in light text")
    assert tuple(bar.ids.status.color) == colour("TEXT_DIM", "light")  # set from Python
    assert tuple(bar.ids.stop.background_color) == colour("SURFACE_HI", "light")
    light = screenshot(window, "look_bar_light").read_bytes()
    assert light != dark


def test_font_scale_enlarges_text(bar):
    from kivy.metrics import dp

    from ui.theme import THEME

    name = bar.ids.station_name
    name.texture_update()
    before = name.texture_size[1]
    icon_before = bar.ids.play.texture_size[1]
    THEME.apply("dark", 1.5)
    wait_until(lambda: name.font_size > 1.4 * before / 1.5 and name.texture_size[1] > before,
               what="bigger text")
    name.texture_update()
    assert name.texture_size[1] >= 1.35 * before
    bar.ids.play.texture_update()
    assert bar.ids.play.texture_size[1] > icon_before
    wait_until(lambda: bar.height > dp(112) + 20, what="the bar grown with its text")


def _live_shown(state: dict) -> tuple[bool, bool]:
    """Is LIVE in the player bar, and beside a station's name in the list?"""
    sections = state["sections"]
    return ("LIVE" in sections["player_bar"],
            any(t.endswith(" LIVE") for t in sections["stations"]))


@pytest.mark.e2e
@pytest.mark.icecast
@needs_xdotool
@pytest.mark.timeout(240)
def test_live_badge_follows_a_real_stream(tmp_path, bench, site, media):
    """A real Icecast stream: LIVE while it plays, never while connecting or reconnecting
    (its source stopped), back when it plays again."""
    import json

    from tests.support.demo_data import STATIONS, demo_catalogue
    from tests.ui.app_process import AppProcess

    mount = STATIONS[0].mount
    catalogue = tmp_path / "stations.json"
    catalogue.write_text(json.dumps(demo_catalogue(site, bench.url, media)))
    app = AppProcess(tmp_path, catalogue)
    wrong: list[dict] = []

    def watch(until):
        """Every state shown: LIVE in the bar exactly while live audio plays (the list's rows
        follow a frame later, so they are checked where the test waits); then `until`."""
        def cond(state: dict) -> bool:
            live = state["state"] == "playing" and state["mode"] == "live"
            if _live_shown(state)[0] != live:
                wrong.append({"state": state["state"], "bar": state["sections"]["player_bar"]})
            return until(state)
        return cond

    try:
        app.wait_window()
        app.wait(watch(lambda s: s["state"] == "stopped"), what="stopped at start")
        app.key("space")
        app.wait(watch(lambda s: s["state"] == "playing" and _live_shown(s) == (True, True)),
                 20, "playing, LIVE shown")
        app.wait_hears(bench.mount(mount).freq_hz)
        app.screenshot("look_live_playing")
        bench.stop_source(mount)
        app.wait(watch(lambda s: s["state"] == "reconnecting"), 20, "reconnecting")
        app.wait(watch(lambda s: s["state"] == "reconnecting" and _live_shown(s) == (False, False)
                       and any(t.startswith("Reconnecting") for t in s["sections"]["player_bar"])),
                 20, "reconnecting shown, no LIVE")
        app.screenshot("look_live_reconnecting")
        bench.start_source(mount)
        app.wait(watch(lambda s: s["state"] == "playing" and _live_shown(s) == (True, True)),
                 40, "playing again, LIVE again")
    finally:
        app.stop()
    assert wrong == []


@pytest.mark.gui
def test_system_theme_follows_a_portal_on_a_private_bus(window, tmp_path, stations):
    """The app's "system" theme is the portal's, live (as cli.run_gui wires it)."""
    from desktop.color_scheme import follow_color_scheme
    from tests.desktop.test_color_scheme import FakePortal
    from tests.support.dbus import PrivateBus
    from tests.ui.test_app import AppRunner
    from ui.theme import THEME, colour

    with PrivateBus() as bus:
        portal = FakePortal(bus, 2)
        runner = AppRunner(window, tmp_path, stations)
        app = runner.start()
        watch = follow_color_scheme(app.look, bus.address)
        try:
            assert app.look.settings.theme == "system"
            wait_until(lambda: THEME.scheme == "light", 10, "light from the portal")
            wait_until(lambda: tuple(app.bar.ids.station_name.color) == colour("TEXT", "light"),
                       what="the window in light colours")
            screenshot(window, "look_portal_light")
            portal.set_value(1)
            wait_until(lambda: THEME.scheme == "dark", 10, "dark after SettingChanged")
            app.look.settings = app.look.settings.with_(theme="light")  # the listener's word
            portal.set_value(1)
            wait_until(lambda: THEME.scheme == "light", what="the setting over the desktop")
        finally:
            watch.stop()
            runner.stop()
            portal.close()
