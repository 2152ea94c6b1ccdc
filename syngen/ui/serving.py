"""How the workbench is served. A page's URL (/prompt) loads the same index.html as the root, and
Streamlit's page script then guesses its server at the page's path first: a reload of any page
asked for /prompt/_stcore/health and /prompt/_stcore/host-config, two 404s in the browser console
before it tried the root (Streamlit issue 7074). `RootBackend` tells the page where its server is
(`window.__streamlit.BACKEND_BASE_URL`, which Streamlit's frontend reads before any request), so
the first request goes to the root."""

from __future__ import annotations

ROOT_BACKEND = b'<script>window.__streamlit={BACKEND_BASE_URL:window.location.origin+"/"};</script>'
_NOT_PAGES = ("/_stcore/", "/static/", "/media/", "/component/", "/app/static/")


def _is_page(path: str) -> bool:
    """A request for a page (index.html): not a file, not one of Streamlit's endpoints."""
    last = path.rsplit("/", 1)[-1]
    return "." not in last and not any(p in path + "/" for p in _NOT_PAGES)


class RootBackend:
    """ASGI middleware: adds ROOT_BACKEND to the head of every page's HTML."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET" or not _is_page(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        # the page uncompressed (it is small), so its head can be found and extended
        scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"])
        start: dict = {}

        async def patched(message):
            if message["type"] == "http.response.start":
                start.update(message)  # held back until the body is known: its length changes
                return
            if message["type"] == "http.response.body" and start:
                body = message.get("body", b"")
                headers = {k.lower(): v for k, v in start["headers"]}
                whole = not message.get("more_body")  # a page is one chunk; anything longer passes as is
                if whole and headers.get(b"content-type", b"").startswith(b"text/html") and b"<head>" in body:
                    body = body.replace(b"<head>", b"<head>" + ROOT_BACKEND, 1)
                    start["headers"] = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                    start["headers"].append((b"content-length", str(len(body)).encode()))
                await send(dict(start))
                start.clear()
                message = {**message, "body": body}
            await send(message)

        await self.app(scope, receive, patched)
