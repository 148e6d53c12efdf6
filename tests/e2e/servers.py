"""A local HTTP server for the release tests.

It runs in a thread of the test process, which already lives in the test's own network
namespace (conftest.py), so it listens on that namespace's 127.0.0.1 and nothing leaves
the machine. It serves files from a directory, honours Range requests (206), and can
misbehave per path: cut the body in half once or every time, ignore Range, or stall
half-way until released. Every request is logged as (path, Range header).

Single-threaded on purpose: conftest.py must setns() back into the suite's mount
namespace when the test ends, which the kernel refuses while other threads exist, so
the fixture joins the one server thread before that.
"""
import hashlib
import http.server
import json
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server.owner
        path = urlparse(self.path).path
        rng = self.headers.get("Range")
        srv.requests.append((path, rng))
        f = srv.root / path.lstrip("/")
        if ".." in path.split("/") or not f.is_file():
            self.send_error(404)
            return
        data = f.read_bytes()
        start = 0
        m = re.fullmatch(r"bytes=(\d+)-", rng or "")
        if m and path not in srv.ignore_range:
            start = int(m.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if path in srv.cut_always or path in srv.cut_once or path in srv.stall:
            # Half the promised body, then the connection closes: a truncated transfer.
            srv.cut_once.discard(path)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if path in srv.stall:
                srv.stalled.set()
                srv.release.wait(60)
            self.close_connection = True
            return
        self.wfile.write(body)


class FileServer:
    def __init__(self, root):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.requests = []
        self.cut_once = set()
        self.cut_always = set()
        self.ignore_range = set()
        self.stall = set()
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self):
        self.thread.start()

    def stop(self):
        self.release.set()
        self.httpd.shutdown()
        self.thread.join()
        self.httpd.server_close()

    def put(self, rel, data):
        """Serve data (bytes, or a path to copy) at /rel; returns its sha256."""
        dest = self.root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, (str, Path)):
            data = Path(data).read_bytes()
        dest.write_bytes(data)
        return hashlib.sha256(data).hexdigest()

    def ranges(self, path):
        return [r for p, r in self.requests if p == path]


class SimpleStreams:
    """A simplestreams tree (streams/v1/index.json and images.json) on a FileServer."""

    def __init__(self, server):
        self.server = server
        self.products = {}

    def add(self, os_name, release, arch, tarball, version="20240101_12:00", variant="default",
            aliases=None, sha256=None):
        key = f"{os_name.lower()}:{release}:{arch}:{variant}"
        path = f"images/{os_name.lower()}/{release}/{arch}/{variant}/{version}/rootfs.tar.xz"
        real = self.server.put(path, tarball)
        prod = self.products.setdefault(key, {
            "arch": arch, "os": os_name, "release": release, "release_title": release,
            "variant": variant, "versions": {},
        })
        if aliases:
            prod["aliases"] = aliases
        prod["versions"][version] = {"items": {
            "root.tar.xz": {"ftype": "root.tar.xz", "path": path, "sha256": sha256 or real,
                            "size": (self.server.root / path).stat().st_size},
            "lxd.tar.xz": {"ftype": "lxd.tar.xz", "path": path + ".meta", "sha256": "00" * 32},
        }}
        self.write()
        return "/" + path

    def write(self):
        index = {"format": "index:1.0", "index": {"images": {
            "datatype": "image-downloads", "format": "products:1.0",
            "path": "streams/v1/images.json", "products": sorted(self.products)}}}
        self.server.put("streams/v1/index.json", json.dumps(index).encode())
        images = {"content_id": "images", "datatype": "image-downloads",
                  "format": "products:1.0", "products": self.products}
        self.server.put("streams/v1/images.json", json.dumps(images).encode())


@pytest.fixture
def http_server(tmp_path):
    srv = FileServer(tmp_path / "www")
    srv.start()
    yield srv
    srv.stop()
