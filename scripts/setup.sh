#!/usr/bin/env bash
# Install what On Air needs, and nothing twice.
#   setup.sh run    libvlc + the venv with the app
#   setup.sh test   the above + Xvfb, Icecast, ffmpeg, sox and the test tools
#   setup.sh bench  the above + mpv and cvlc to compare against
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

apt_pkgs=(libvlc5 vlc-plugin-base libgl1 libmtdev1 python3-venv)
case "$mode" in
  test|bench) apt_pkgs+=(xvfb xauth xdotool libgl1-mesa-dri icecast2 ffmpeg sox x11-utils imagemagick) ;;&
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

extras=""
[ "$mode" = run ] || extras="[test]"
stamp=".venv/.onair-installed${extras}"
want="$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing On Air into .venv${extras:+ with test tools}"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".${extras}"
  echo "$want" > "$stamp"
fi
