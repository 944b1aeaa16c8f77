"""A real HTTP forward proxy on loopback that counts what it relays, for the proxy tests::

    with ForwardProxy() as proxy:
        env["http_proxy"] = proxy.url          # http://127.0.0.1:PORT
        ...
        assert proxy.count("127.0.0.1:8000") > 0

It answers absolute-URI GETs (what a client sends to an HTTP proxy): the request goes on to
the origin with its headers (less the hop-by-hop ones, plus `Via: 1.1 onair-test-proxy`, so
the origin can tell), and the answer comes back as it arrives, chunk by chunk (a live
stream is relayed live), redirects included, never followed. Each answer ends by closing
the client's connection (HTTP/1.0 framing). CONNECT (https tunnels) is refused with 501:
the tests' servers are plain http on loopback.
`close()` shuts every open upstream connection, so no relay thread outlives the proxy.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

VIA = "1.1 onair-test-proxy"
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
               "proxy-connection", "te", "trailers", "transfer-encoding", "upgrade"}


class ForwardProxy:
    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._upstreams: set[http.client.HTTPConnection] = set()
        self.requests: list[str] = []  # every absolute URI asked for, in order
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                proxy._relay(self)

            def do_CONNECT(self) -> None:  # noqa: N802
                self.send_error(501, "no tunnels in this test proxy")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-proxy",
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def count(self, host: str) -> int:
        """Requests relayed to `host` ("127.0.0.1:8000") so far."""
        with self._lock:
            return self._counts[host]

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            upstreams = list(self._upstreams)
        for conn in upstreams:  # unblocks relay threads reading a live stream
            if conn.sock is not None:
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            conn.close()
        self._thread.join(5)

    # -- one request -------------------------------------------------------------------
    def _relay(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        if parts.scheme != "http" or not parts.hostname:
            handler.send_error(400, "absolute http URI expected")
            return
        host = parts.netloc
        with self._lock:
            self._counts[host] += 1
            self.requests.append(handler.path)
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=15)
        with self._lock:
            self._upstreams.add(conn)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            headers = {k: v for k, v in handler.headers.items()
                       if k.lower() not in _HOP_BY_HOP}
            headers["Connection"] = "close"
            headers["Via"] = VIA  # so an origin can tell what came through the proxy
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            handler.send_response_only(resp.status, resp.reason)
            for name, value in resp.getheaders():
                if name.lower() not in _HOP_BY_HOP:
                    handler.send_header(name, value)
            handler.send_header("Connection", "close")
            handler.end_headers()
            while chunk := resp.read1(65536):
                handler.wfile.write(chunk)
                handler.wfile.flush()
        except OSError:  # the origin or the client went away: the answer just ends
            pass
        except http.client.HTTPException:
            try:
                handler.send_error(502, "bad answer from the origin")
            except OSError:
                pass
        finally:
            with self._lock:
                self._upstreams.discard(conn)
            conn.close()
