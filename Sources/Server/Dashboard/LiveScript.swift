import Hummingbird

/// `/assets/live.js`: the only script of the dashboard, served by Gantry (no CDN). It follows a
/// running run's output over the WebSocket, keeps the view at the tail when it was there, and
/// reconnects with backoff, asking for the lines after the last one shown. Without it the page
/// still shows the run and its jobs.
enum LiveScript {
    static let source = """
        (function () {
          var pre = document.getElementById("live");
          if (!pre) return;
          var run = pre.getAttribute("data-run"), last = 0, delay = 500;
          function esc(text) {
            return text.replace(/[&<>"']/g, function (c) {
              return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
            });
          }
          var colours = {success: "#3f9b4f", cached: "#3f9b4f", avoided: "#3f9b4f", skipped: "#9aa3ad",
            cancelled: "#c9a227", running: "#2f6fb3", waiting: "#e8ebef"};
          function paint(job, state) {
            var nodes = document.querySelectorAll("#dag g.job");
            for (var i = 0; i < nodes.length; i++) {
              if (nodes[i].getAttribute("data-job") !== job) continue;
              nodes[i].setAttribute("data-state", state);
              nodes[i].querySelector("rect").setAttribute("fill", colours[state] || "#c0392b");
              nodes[i].querySelector("text").setAttribute("fill", state === "waiting" ? "#1d2733" : "#ffffff");
              nodes[i].querySelector("title").textContent = job + ": " + state;
            }
          }
          function connect() {
            var scheme = location.protocol === "https:" ? "wss://" : "ws://";
            var socket = new WebSocket(scheme + location.host + "/runs/" + encodeURIComponent(run) + "/live?after=" + last);
            pre.setAttribute("data-state", "connecting");
            socket.onopen = function () { pre.setAttribute("data-state", "live"); delay = 500; };
            socket.onmessage = function (event) {
              var line = JSON.parse(event.data);
              if (line.n <= last) return;
              last = line.n;
              if (line.state && line.job) paint(line.job, line.state);
              var atTail = window.innerHeight + window.scrollY >= document.body.offsetHeight - 8;
              var row = document.createElement("div");
              row.className = "line " + line.stream;
              row.innerHTML = (line.job ? '<span class="job">' + esc(line.job) + "</span> " : "") + line.html;
              pre.appendChild(row);
              if (atTail) window.scrollTo(0, document.body.scrollHeight);
            };
            socket.onclose = function (event) {
              if (event.code === 1000) { pre.setAttribute("data-state", "ended"); return; }
              pre.setAttribute("data-state", "reconnecting");
              setTimeout(connect, delay);
              delay = Math.min(delay * 2, 10000);
            };
          }
          connect();
        })();
        """

    static func add(to router: Router<ServerRequestContext>) {
        router.get("/assets/live.js") { _, _ in
            var response = JSONResponse.make(
                status: .ok, body: Array(source.utf8), contentType: "text/javascript; charset=utf-8")
            response.headers[.cacheControl] = "public, max-age=300"
            return response
        }
    }
}
