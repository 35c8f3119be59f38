"""A tiny HTTP service for the canary example: answers with its version. A release built with
ERROR_EVERY=N fails every Nth request with a 500 (the bad release the canary analysis catches)."""
import http.server
import os

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION = open(os.path.join(HERE, "VERSION")).read().strip()
ERROR_EVERY = int(open(os.path.join(HERE, "ERROR_EVERY")).read()) if os.path.exists(os.path.join(HERE, "ERROR_EVERY")) else 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # one write per response
    served = 0

    def log_message(self, *args):
        pass

    def do_GET(self):
        Handler.served += 1
        failing = ERROR_EVERY and self.path != "/healthz" and Handler.served % ERROR_EVERY == 0
        body = (f"version {VERSION}\n" if not failing else "internal error\n").encode()
        self.send_response(500 if failing else 200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
