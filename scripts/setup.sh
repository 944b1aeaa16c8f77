#!/usr/bin/env bash
# Install what On Air needs, and nothing twice.
#   setup.sh run    libvlc + the venv with the app
#   setup.sh test   the above + Xvfb, Icecast, ffmpeg, sox and the test tools
#   setup.sh bench  the above + mpv and cvlc to compare against
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

apt_pkgs=(libvlc5 vlc-plugin-base libgl1 libmtdev1 python3-venv xclip)
case "$mode" in
  test|bench) apt_pkgs+=(xvfb xauth xdotool libgl1-mesa-dri icecast2 ffmpeg sox x11-utils imagemagick openbox dbus-daemon dbus-bin playerctl dunst pulseaudio pulseaudio-utils) ;;&
  bench) apt_pkgs+=(mpv vlc-bin) ;;
esac

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The desktop entry (MPRIS names it as DesktopEntry "onair"), pointing at this venv's onair.
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
entry="$(sed "s|^Exec=onair |Exec=$PWD/.venv/bin/onair |" assets/onair.desktop)"
if [ "$(cat "$apps/onair.desktop" 2>/dev/null)" != "$entry" ]; then
  mkdir -p "$apps" && printf '%s\n' "$entry" > "$apps/onair.desktop"
fi

# The venv: the app (run), or the app with the test tools (test, bench). A stamp holds the
# hash of pyproject.toml it was installed from; the test set-up also serves `make run`.
extras=""
[ "$mode" = run ] || extras="[test]"
want="$(sha256sum pyproject.toml | cut -c1-16)"
stamp=".venv/.onair-installed${extras}"
installed() { [ -f "$1" ] && [ "$(cat "$1")" = "$want" ]; }
if installed "$stamp" || { [ "$mode" = run ] && installed ".venv/.onair-installed[test]"; }; then
  exit 0
fi
[ -x .venv/bin/python ] || { echo "setup: creating .venv"; python3 -m venv .venv; }
echo "setup: installing On Air into .venv${extras:+ with the test tools}"
log=$(mktemp)
if ! { .venv/bin/python -m pip install -q --upgrade pip && \
       .venv/bin/python -m pip install -q -e ".${extras}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup: pip could not install On Air (output above)" >&2
  exit 1
fi
rm -f "$log"
echo "$want" > "$stamp"
