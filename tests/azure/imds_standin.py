#!/usr/bin/env python3
"""A local stand-in for Azure's managed identity endpoints (and a small echo server).

The real endpoints (IMDS at 169.254.169.254, App Service's IDENTITY_ENDPOINT) cannot run
here, so the tests point lfhost at this server instead. It serves:

  GET /metadata/identity/oauth2/token   IMDS: needs `Metadata: true`,
                                        api-version=2018-02-01 and resource
  GET /msi/token                        App Service: needs X-IDENTITY-HEADER equal to
                                        the configured secret, api-version=2019-08-01
  ANY /echo                             answers ?status=N (default 200) with the request
                                        as JSON, and headers from the query (etag,
                                        request_id, error_code, retry_after, retry_after_ms,
                                        last_modified; delay_ms waits before answering)

and a control API for the tests (paths starting with /_, never recorded):

  POST /_control  JSON merged into the configuration:
                  fail        list of {"status": N, "retry_after": "S or HTTP date",
                              "retry_after_ms": N}: answered, in order, before any
                              identity or echo request succeeds
                  expires_in  lifetime in seconds of the next tokens (default 3600)
                  identity_header  the App Service secret (default "standin-secret")
                  expires_on_format "epoch" (default) or "none" (only expires_in)
  GET  /_requests the recorded requests: method, path, query, headers (lower-case
                  names), body_len, t (monotonic seconds)
  POST /_reset    forget requests and the fail list
  POST /_shutdown stop

Tokens are unsigned-verifiable JWTs shaped like Entra ID's: iss https://sts.windows.net/
<tenant>/, aud https://storage.azure.com (or the requested resource), iat/nbf/exp, which
is what Azurite's `--oauth basic` checks (it does not verify signatures).

Usage: imds_standin.py --port-file FILE   (binds 127.0.0.1 on a free port, writes it)
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
STATE_LOCK = threading.Lock()
STATE = {
    "fail": [],
    "expires_in": 3600,
    "identity_header": "standin-secret",
    "expires_on_format": "epoch",
    "requests": [],
    "serial": 0,
}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_jwt(resource, client_id, lifetime, serial):
    now = int(time.time())
    aud = resource.rstrip("/") if resource else "https://storage.azure.com"
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "aud": aud,
        "iss": "https://sts.windows.net/%s/" % TENANT,
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + lifetime,
        "oid": "standin-object",
        "tid": TENANT,
        "appid": client_id or "standin-system-assigned",
        "uti": "standin-%d" % serial,
        "ver": "1.0",
    }
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = hmac.new(b"standin-not-a-secret", signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig), now + lifetime


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: tests read /_requests instead
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, obj=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(obj).encode() if obj is not None else b"")
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if data or self.command != "HEAD":
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _record(self, url, body):
        rec = {
            "method": self.command,
            "path": url.path,
            "query": dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_len": len(body),
            "t": time.monotonic(),
        }
        with STATE_LOCK:
            STATE["requests"].append(rec)
        return rec

    def _scripted_failure(self):
        with STATE_LOCK:
            if not STATE["fail"]:
                return False
            f = STATE["fail"].pop(0)
        headers = {}
        if "retry_after" in f:
            headers["Retry-After"] = str(f["retry_after"])
        if "retry_after_ms" in f:
            headers["x-ms-retry-after-ms"] = str(f["retry_after_ms"])
        self._send(int(f["status"]), {"error": "standin_failure", "error_description": "scripted"},
                   headers)
        return True

    def _control(self, url, body):
        if url.path == "/_control":
            cfg = json.loads(body or b"{}")
            with STATE_LOCK:
                for k, v in cfg.items():
                    STATE[k] = list(v) if k == "fail" else v
            return self._send(200, {"ok": True})
        if url.path == "/_requests":
            with STATE_LOCK:
                reqs = list(STATE["requests"])
            return self._send(200, reqs)
        if url.path == "/_reset":
            with STATE_LOCK:
                STATE["requests"] = []
                STATE["fail"] = []
            return self._send(200, {"ok": True})
        if url.path == "/_shutdown":
            self._send(200, {"ok": True})
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return None
        return self._send(404, {"error": "no such control"})

    def _token(self, q, client_id_key):
        with STATE_LOCK:
            STATE["serial"] += 1
            serial = STATE["serial"]
            lifetime = int(STATE["expires_in"])
            fmt = STATE["expires_on_format"]
        token, exp = mint_jwt(q.get("resource"), q.get(client_id_key), lifetime, serial)
        out = {
            "access_token": token,
            "client_id": q.get(client_id_key, "standin-system-assigned"),
            "expires_in": str(lifetime),
            "ext_expires_in": str(lifetime),
            "not_before": str(int(time.time()) - 60),
            "resource": q.get("resource"),
            "token_type": "Bearer",
        }
        if fmt == "epoch":
            out["expires_on"] = str(exp)
        return self._send(200, out)

    def _imds(self, q):
        if self.headers.get("Metadata") != "true":
            return self._send(400, {"error": "invalid_request",
                                    "error_description": "Required metadata header not specified"})
        if q.get("api-version") != "2018-02-01" or not q.get("resource"):
            return self._send(400, {"error": "invalid_request",
                                    "error_description": "bad api-version or resource"})
        return self._token(q, "client_id")

    def _app_service(self, q):
        with STATE_LOCK:
            secret = STATE["identity_header"]
        if self.headers.get("X-IDENTITY-HEADER") != secret:
            return self._send(400, {"statusCode": 400, "message": "wrong X-IDENTITY-HEADER"})
        if q.get("api-version") != "2019-08-01" or not q.get("resource"):
            return self._send(400, {"statusCode": 400, "message": "bad api-version or resource"})
        return self._token(q, "client_id")

    def _echo(self, url, q, rec):
        if "delay_ms" in q:
            time.sleep(int(q["delay_ms"]) / 1000.0)
        headers = {"x-ms-request-id": q.get("request_id", "standin-request-1")}
        for key, name in (("etag", "ETag"), ("error_code", "x-ms-error-code"),
                          ("retry_after", "Retry-After"), ("retry_after_ms", "x-ms-retry-after-ms"),
                          ("last_modified", "Last-Modified")):
            if key in q:
                headers[name] = q[key]
        return self._send(int(q.get("status", "200")), rec, headers)

    def _handle(self):
        url = urllib.parse.urlsplit(self.path)
        body = self._body()
        if url.path.startswith("/_"):
            return self._control(url, body)
        rec = self._record(url, body)
        if self._scripted_failure():
            return None
        q = rec["query"]
        if url.path == "/metadata/identity/oauth2/token" and self.command == "GET":
            return self._imds(q)
        if url.path == "/msi/token" and self.command == "GET":
            return self._app_service(q)
        if url.path == "/echo":
            return self._echo(url, q, rec)
        return self._send(404, {"error": "not_found"})

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)  # atomic: a reader never sees a partial port
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
