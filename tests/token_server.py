"""A registry token service for the bundle tests (Docker's token authentication, as Docker Hub runs it).

GET /token?service=S&scope=repository:NAME:pull with HTTP basic credentials USER:PASSWORD answers
{"token": JWT}: RS256, signed with --key, the certificate in the x5c header (the registry trusts it
through its rootcertbundle), granting pull on NAME. Wrong or missing credentials: 401. Every request
is logged to --log as "<user or -> <scope>". Prints "ready" once it listens.
"""

from __future__ import annotations

import argparse
import base64
import http.server
import json
import subprocess
import time
import urllib.parse
import uuid


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Handler(http.server.BaseHTTPRequestHandler):
    args: argparse.Namespace

    def log_message(self, fmt, *a):
        pass

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        user = "-"
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user = base64.b64decode(auth[6:]).decode()
        with open(self.args.log, "a") as fh:
            fh.write(f"{user.split(':')[0]} {query.get('scope', '')}\n")
        if url.path != "/token" or user != self.args.credentials:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        name = query.get("scope", "::").split(":")[1]
        der = subprocess.run(["openssl", "x509", "-in", self.args.cert, "-outform", "DER"],
                             capture_output=True, check=True).stdout
        header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(der).decode()]}
        now = int(time.time())
        claims = {"iss": self.args.issuer, "sub": user.split(":")[0], "aud": query.get("service", ""),
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex,
                  "access": [{"type": "repository", "name": name, "actions": ["pull"]}]}
        signing = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.args.key], input=signing.encode(),
                             capture_output=True, check=True).stdout
        body = json.dumps({"token": f"{signing}.{b64url(sig)}", "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    ap = argparse.ArgumentParser()
    for opt in ("--port", "--key", "--cert", "--issuer", "--credentials", "--log"):
        ap.add_argument(opt, required=True)
    Handler.args = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(Handler.args.port)), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
