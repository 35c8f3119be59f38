"""The service of the Prometheus canary example: answers "version X". A release built with
DELAY_MS=N takes N milliseconds over every answer (the slow release Prometheus catches)."""
import http.server
import os
import time

ROOT = os.path.dirname(os.path.abspath(__file__))


def setting(name, default=""):
    path = os.path.join(ROOT, name)
    return open(path).read().strip() if os.path.exists(path) else default


VERSION = setting("VERSION", "0.0.0")
DELAY = int(setting("DELAY_MS", "0")) / 1000


class Service(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path != "/healthz":
            time.sleep(DELAY)
        answer = f"version {VERSION}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Service).serve_forever()
