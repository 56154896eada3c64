"""A file server for the test nodes, run inside a node's network namespace on 127.0.0.1.

Serves a directory (a local apt repository or release files in the upstream layout), logs every
request path to --log, and with --stall PATTERN answers matching paths with headers and a first
chunk, then goes silent (a stalled mirror). Prints "ready" once it listens.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
import time


class Handler(http.server.SimpleHTTPRequestHandler):
    stall = ""
    log_path = ""
    lock = threading.Lock()

    def log_message(self, fmt, *args):  # quiet; requests go to the log file
        pass

    def _record(self):
        with self.lock, open(self.log_path, "a") as fh:
            fh.write(f"{self.command} {self.path}\n")

    def do_GET(self):
        self._record()
        if self.stall and self.stall in self.path:
            self.send_response(200)
            self.send_header("Content-Length", "100000000")
            self.end_headers()
            self.wfile.write(b"\0" * 1024)
            self.wfile.flush()
            time.sleep(3600)
            return
        super().do_GET()

    def do_HEAD(self):
        self._record()
        super().do_HEAD()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--stall", default="")
    args = ap.parse_args()
    Handler.stall = args.stall
    Handler.log_path = args.log
    handler = functools.partial(Handler, directory=args.dir)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
