"""A tiny HTTP service: answers with its version; /healthz fails when the release is broken."""
import http.server
import os

VERSION = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "VERSION")).read().strip()
BROKEN = os.path.exists(os.path.join(os.path.dirname(os.path.abspath(__file__)), "BROKEN"))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # one write per response: no Nagle/delayed-ACK stalls

    def log_message(self, *args):
        pass

    def do_GET(self):
        status = 500 if BROKEN and self.path == "/healthz" else 200
        body = f"version {VERSION}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
