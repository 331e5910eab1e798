"""What the local stack serves beside the API: the reference admin page, the OpenAPI document, and local
tokens for the page. None of it is deployed: the platform's frontend is served elsewhere and gets its
tokens from the platform's identity provider."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .api_gateway import HttpAnswer

PAGE_DIR = Path(__file__).resolve().parents[1] / "admin_page"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
# The page makes no request but to this origin; nothing is loaded from elsewhere.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
JSON_HEADERS = {"content-type": "application/json", **SECURITY_HEADERS}
TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ROLES = ("admin", "member")


def _loopback_host(host: str) -> bool:
    name = host.strip().lower()
    name = name[1 : name.index("]")] if name.startswith("[") and "]" in name else name.rsplit(":", 1)[0]
    return name in ("127.0.0.1", "localhost", "::1")


def _problem(status: int, detail: str) -> HttpAnswer:
    titles = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 422: "Unprocessable Content"}
    body = {"type": "/problems/invalid-input", "title": titles[status], "status": status, "detail": detail}
    return HttpAnswer(status, {"content-type": "application/problem+json"}, json.dumps(body))


@dataclass
class LocalSite:
    issue_token: Callable[[str, str], str]  # (tenant, role) -> bearer token the local authorizer accepts
    openapi_text: Callable[[], str]
    page_dir: Path = PAGE_DIR

    def answer(
        self, method: str, path: str, body: bytes | None, host: str = "127.0.0.1"
    ) -> HttpAnswer | None:
        """The answer for a path this site owns, or None to let the API have the request. `host` is the
        request's Host header: tokens go only to pages served from a loopback name, so a page elsewhere that
        rebinds its own DNS name to 127.0.0.1 cannot mint one."""
        if path == "/openapi.json" and method in ("GET", "HEAD"):
            return HttpAnswer(200, JSON_HEADERS, self.openapi_text())
        if path == "/_local/token":
            if not _loopback_host(host):
                return _problem(403, "tokens are issued to pages served from 127.0.0.1 or localhost only")
            return self._token(method, body)
        if method in ("GET", "HEAD") and (path == "/" or path.startswith("/admin/")):
            return self._file("index.html" if path == "/" else path.removeprefix("/admin/"))
        return None

    def _file(self, name: str) -> HttpAnswer:
        # Only the files in the page's folder, by their exact name: no traversal, no directory listing.
        files = {p.name: p for p in self.page_dir.iterdir() if p.is_file() and p.suffix in CONTENT_TYPES}
        found = files.get(name)
        if found is None:
            return _problem(404, "no such file")
        headers = {"content-type": CONTENT_TYPES[found.suffix], **SECURITY_HEADERS}
        return HttpAnswer(200, headers, found.read_text(encoding="utf-8"))

    def _token(self, method: str, body: bytes | None) -> HttpAnswer:
        if method != "POST":
            return _problem(404, "POST a tenant and a role")
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return _problem(400, "the body is not JSON")
        tenant = request.get("tenant") if isinstance(request, dict) else None
        role = request.get("role") if isinstance(request, dict) else None
        if not isinstance(tenant, str) or not TENANT.fullmatch(tenant) or role not in ROLES:
            return _problem(422, "tenant: 1 to 64 letters, digits, '.', '_' or '-'; role: admin or member")
        token = self.issue_token(tenant, str(role))
        return HttpAnswer(200, JSON_HEADERS, json.dumps({"token": token}))
