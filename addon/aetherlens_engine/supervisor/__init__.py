"""The engine as a Home Assistant add-on: options, cluster set-up, discovery and backups.

Everything the container's s6 services run lives here, so it can be tested outside Docker; the
service scripts under `addon/rootfs/etc/s6-overlay/` only call
`python3 -m aetherlens_engine.supervisor`.
"""
