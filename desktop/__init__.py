"""The desktop: MPRIS2 on the session bus (desktop.mpris, desktop.mpris_bridge)."""
