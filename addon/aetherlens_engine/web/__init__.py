"""The ingress page: the built front end served at `/` and `/assets/...`.

The page itself holds no data; every figure comes from the API, which stays behind the token
(standalone) or the Supervisor's ingress proxy (add-on).
"""

from __future__ import annotations

from .ingress import INGRESS_PATH_HEADER, INGRESS_PROXY, IngressPolicy, ingress_prefix
from .page import PAGE_PATHS, SECURITY_HEADERS, STATIC_DIR, add_page_routes

__all__ = [
    "INGRESS_PATH_HEADER",
    "INGRESS_PROXY",
    "PAGE_PATHS",
    "SECURITY_HEADERS",
    "STATIC_DIR",
    "IngressPolicy",
    "add_page_routes",
    "ingress_prefix",
]
