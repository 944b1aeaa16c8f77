"""recording.tags: cue points and gaps placed in the file's own time; the sidecar's name."""

from __future__ import annotations

from pathlib import Path

from recording.tags import cue_points, file_offset, gap_entries, read_sidecar, sidecar_path


def test_file_offsets_leave_out_the_gaps():
    gaps = [(110.0, 120.0)]
    assert file_offset(105, 100, gaps) == 5
    assert file_offset(115, 100, gaps) == 10  # inside the gap: where the audio resumes
    assert file_offset(130, 100, gaps) == 20
    assert file_offset(90, 100, gaps) == 0


def test_cues_start_with_the_title_playing_and_skip_repeats():
    titles = [(90.0, "Before"), (95.0, "Playing"), (105.0, "Playing"), (125.0, "Next"),
              (200.0, "After the end")]
    cues = cue_points(titles, 100.0, 150.0, [(110.0, 120.0)])
    assert [(c["title"], c["at_s"]) for c in cues] == [("Playing", 0.0), ("Next", 15.0)]
    assert cues[1]["time"].endswith("+00:00")


def test_gap_entries():
    [gap] = gap_entries([(110.0, 120.5)], 100.0)
    assert (gap["at_s"], gap["seconds"]) == (10.0, 10.5)


def test_the_sidecar_is_beside_the_file_and_its_part(tmp_path):
    audio = tmp_path / "A - B - 2025-05-14 1000.mp3"
    assert sidecar_path(audio) == tmp_path / "A - B - 2025-05-14 1000.json"
    assert sidecar_path(Path(f"{audio}.part")) == sidecar_path(audio)


def test_a_sidecar_not_ours_is_ignored(tmp_path):
    (tmp_path / "x.json").write_text('{"something": "else"}')
    (tmp_path / "y.json").write_text("{broken")
    assert read_sidecar(tmp_path / "x.json") is None and read_sidecar(tmp_path / "y.json") is None
