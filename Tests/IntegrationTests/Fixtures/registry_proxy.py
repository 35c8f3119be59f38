"""A fault-injecting front for a real registry, for Gantry's registry client tests.

usage: registry_proxy.py UPSTREAM_PORT MODE [USER PASSWORD]
Prints its own port, then forwards every request to 127.0.0.1:UPSTREAM_PORT, except that:
  bearer   requires "Authorization: Bearer <token>" (tokens from /token with Basic USER:PASSWORD),
           answering 401 with a WWW-Authenticate Bearer challenge otherwise;
  fail500  answers every /v2/ request with 500;
  corrupt  flips one byte of every blob body it returns;
  hang     never answers /v2/ requests;
  pass     (any other mode) changes nothing.
Every request is appended to the file named by $PROXY_LOG, when set, as "METHOD PATH STATUS".
"""
import base64, http.client, http.server, os, secrets, sys, time

upstream_port, mode = int(sys.argv[1]), sys.argv[2]
user, password = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else ("", "")
tokens = set()


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, status):
        if os.environ.get("PROXY_LOG"):
            with open(os.environ["PROXY_LOG"], "a") as log:
                log.write(f"{self.command} {self.path} {status}\n")

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.record(status)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        payload = self.body()
        if self.path.startswith("/token"):
            expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self.reply(401, b'{"details":"bad credentials"}')
            token = secrets.token_hex(16)
            tokens.add(token)
            return self.reply(200, ('{"token":"%s","expires_in":300}' % token).encode(),
                              {"Content-Type": "application/json"})
        if mode == "hang":
            time.sleep(30)
            return
        if mode == "fail500":
            return self.reply(500, b'{"errors":[{"code":"UNKNOWN","message":"injected failure"}]}',
                              {"Content-Type": "application/json"})
        if mode == "bearer":
            auth = self.headers.get("Authorization", "")
            if not (auth.startswith("Bearer ") and auth[7:] in tokens):
                port = self.server.server_address[1]
                challenge = f'Bearer realm="http://127.0.0.1:{port}/token",service="proxy",scope="repository:x:pull"'
                return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                                  {"WWW-Authenticate": challenge, "Content-Type": "application/json"})
        connection = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization")}
        connection.request(self.command, self.path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if mode == "corrupt" and "/blobs/sha256:" in self.path and self.command == "GET" and data:
            data = bytes([data[0] ^ 1]) + data[1:]
        out = {}
        for key, value in response.getheaders():
            if key.lower() in ("content-length", "transfer-encoding", "connection"):
                continue
            if key.lower() == "location":
                value = value.replace(f"127.0.0.1:{upstream_port}", f"127.0.0.1:{self.server.server_address[1]}")
            out[key] = value
        self.reply(response.status, data, out)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
