#!/usr/bin/env python3
"""Drives the dashboard of a running `gantry serve` in headless Chromium over the DevTools protocol.

Usage: dashboard_check.py BASE_URL SESSION_COOKIE RUN_ID SCREENSHOT_DIR LIVE_RUN_ID TRIGGER_FILE DIGEST

For each page: loads it with the session cookie, checks its DOM (the board's cells and forms, every
visible input labelled, nothing loaded from another origin, no horizontal scroll on a 1366x768
laptop screen) and saves a screenshot. Then opens the page of LIVE_RUN_ID while its step waits for
TRIGGER_FILE, creates the file, and checks that the line the step prints next appears in the open
page within 2 seconds, with its terminal colour. Exits non-zero with the failed check.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

base, cookie, run_id, shots, live_run, trigger, digest = sys.argv[1:8]
os.makedirs(shots, exist_ok=True)
profile = tempfile.mkdtemp(prefix="gantry-chromium-")
browser = subprocess.Popen(
    ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
     "--disable-background-networking", "--remote-debugging-port=0", f"--user-data-dir={profile}",
     "--window-size=1366,768", "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fail(message):
    print(f"dashboard check failed: {message}", file=sys.stderr)
    sys.exit(1)


try:
    port_file = os.path.join(profile, "DevToolsActivePort")
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            break
        time.sleep(0.05)
    else:
        fail("Chromium did not start")
    port = open(port_file).read().split("\n")[0]
    targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
    page = next(t for t in targets if t["type"] == "page")
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=20)
    counter = [0]
    requested = []

    def call(method, **params):
        counter[0] += 1
        ws.send(json.dumps({"id": counter[0], "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv())
            if message.get("method") == "Network.requestWillBeSent":
                requested.append(message["params"]["request"]["url"])
            if message.get("id") == counter[0]:
                if "error" in message:
                    fail(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_for(event):
        while True:
            message = json.loads(ws.recv())
            if message.get("method") == "Network.requestWillBeSent":
                requested.append(message["params"]["request"]["url"])
            if message.get("method") == event:
                return message

    def evaluate(expression):
        result = call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    call("Network.enable")
    call("Page.enable")
    name, value = cookie.split("=", 1)
    call("Network.setCookie", name=name, value=value, url=base, httpOnly=True, sameSite="Strict")

    pages = {"runs": "/runs", "run": f"/runs/{run_id}", "health": "/health", "environments": "/environments",
             "audit": "/audit",
             "artifacts": "/artifacts", "artifact": f"/artifacts/web/{digest}"}
    for label, path in pages.items():
        call("Page.navigate", url=base + path)
        wait_for("Page.loadEventFired")
        url = evaluate("location.pathname")
        if url != path:
            fail(f"{path} led to {url} (not signed in?)")
        if not evaluate("[...document.querySelectorAll('input:not([type=hidden])')].every(i => i.labels.length > 0)"):
            fail(f"{path}: an input without a label")
        if evaluate("document.documentElement.scrollWidth") > 1366:
            fail(f"{path}: wider than a 1366-pixel screen")
        shot = call("Page.captureScreenshot", format="png")
        data = base64.b64decode(shot["data"])
        if len(data) < 1000:
            fail(f"{path}: empty screenshot")
        open(os.path.join(shots, f"{label}.png"), "wb").write(data)
        if label == "runs" and not evaluate(f"!!document.querySelector('a[href=\"/runs/{run_id}\"]')"):
            fail("the runs page does not link the run")
        if label == "run" and not evaluate("!!document.querySelector('svg[role=img] rect')"):
            fail("the run page has no timeline")
        if label == "run" and evaluate("document.querySelectorAll('#dag g.job').length") < 2:
            fail("the run page does not draw the run's DAG (test and release)")
        if label == "environments":
            rows = evaluate("document.querySelectorAll('#board tr[data-app=\"web\"]').length")
            if rows != 2:
                fail(f"the board has {rows} rows for web, expected staging and prod")
            if not evaluate("[...document.querySelectorAll('#board button')].some(b => b.textContent.startsWith('Approve'))"):
                fail("the board offers no approval for the pending prod promotion")
            if not evaluate("document.querySelectorAll('#board form[action=\"/environments/rollback\"]').length >= 1"):
                fail("the board offers no rollback")
            if not evaluate("document.querySelectorAll('#board form[action=\"/environments/promote\"]').length >= 1"):
                fail("the board offers no promotion")
        if label == "artifacts" and not evaluate(f"!!document.querySelector('a[href=\"/artifacts/web/{digest}\"]')"):
            fail("the artifacts page does not link the packed artifact")
        if label == "artifact":
            if not evaluate("!!document.getElementById('sbom')"):
                fail("the artifact page has no SBOM table")
            if not evaluate("document.body.textContent.includes('staging since')"):
                fail("the artifact page does not say it runs in staging")
        if label == "health" and not evaluate("document.body.textContent.includes('finished runs passed')"):
            fail("the health page shows no pass rate")
        if label == "audit" and not evaluate("document.body.textContent.includes('verifies')"):
            fail("the audit page does not show the verification")
    # Live output: the page is open while the step waits; the line it prints next shows within 2 s.
    call("Page.navigate", url=f"{base}/runs/{live_run}")
    wait_for("Page.loadEventFired")
    for _ in range(200):
        if evaluate("(document.getElementById('live') || {textContent: ''}).textContent.includes('first line')"):
            break
        time.sleep(0.05)
    else:
        fail("the live view never showed the step's first line")
    open(trigger, "w").close()
    started = time.monotonic()
    while not evaluate("document.getElementById('live').textContent.includes('LIVE-LINE-42')"):
        if time.monotonic() - started > 2:
            fail("a line printed by the running step did not appear in the open page within 2 s")
        time.sleep(0.02)
    latency = time.monotonic() - started
    if evaluate("(document.querySelector('#dag g.job[data-job=\"live\"]') || {getAttribute: () => ''}).getAttribute('data-state')") != "running":
        fail("the DAG does not show the live job running")
    if not evaluate("!!document.querySelector('#live span.c32')"):
        fail("the line's ANSI colour was not rendered")
    shot = call("Page.captureScreenshot", format="png")
    open(os.path.join(shots, "live.png"), "wb").write(base64.b64decode(shot["data"]))
    print(f"dashboard: a running step printed a line; it was in the open page {latency * 1000:.0f} ms after the step was released")
    foreign = [u for u in requested if not u.startswith(base) and not u.startswith("data:")
               and not u.startswith(base.replace("http", "ws", 1))]
    if foreign:
        fail(f"requests left the server: {foreign}")
    print(f"dashboard: {len(pages) + 1} pages checked, screenshots in {shots}")
finally:
    browser.kill()
    browser.wait()
    shutil.rmtree(profile, ignore_errors=True)
