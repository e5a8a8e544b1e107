#!/usr/bin/env python3
"""
Headless-browser test of slotbook-server's two pages.

    browser_test.py PATH/TO/slotbook-server

It starts the server on a free port with a fresh data directory, opens
location 0 and releases places through the admin API, then drives Debian's
`chromium` through the Chrome DevTools Protocol over --remote-debugging-pipe
(fd 3: commands to chromium, fd 4: its answers; each message is JSON ended
by a NUL byte).  Only the Python standard library is used: no npm, no pip.

Steps (STEPS below): on the planner page, the locations and only the days
with free places are listed; a BSN failing the 11-check shows the server's
own error sentence; a place is reserved, confirmed and its code read.  On
the desk page a wrong token is refused; the code with the same BSN
verifies (showing the booking) and redeems once, then is "Already used";
the code with another valid BSN is "Resold or copied code".  Both pages
fit a 390 px screen, raised no script or load error, and the server exits
0 on SIGTERM.  Screenshots land in a temporary directory and are copied to
/tmp/slotbook-shots/ (or $SLOTBOOK_SHOTS) for a person to look at.

One line per step, then "N passed, N failed".  Exit 0 only when every step
passed; 77 (meson's "skipped") when chromium is not installed.  Everything
is bounded: the whole run stops after TOTAL_S seconds.
"""

import base64
import fcntl
import json
import os
import random
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TOTAL_S = 55.0  # the whole run, server and browser start included
START_S = 15.0  # server's "listening" line, chromium's first answer
WAIT_S = 10.0  # one page condition (an element showing the expected text)
FIRST_DAY = "2022-09-01"
FREE_DAYS = ("2022-09-03", "2022-09-05")  # released at location 0; the rest stay at 0
PLACES = 4
SHOTS_COPY = os.environ.get("SLOTBOOK_SHOTS", "/tmp/slotbook-shots")

DEADLINE = time.monotonic() + TOTAL_S


class TestError(Exception):
    pass


def remaining(limit):
    """Seconds to wait: limit, cut to what is left of the whole run."""
    left = DEADLINE - time.monotonic()
    if left <= 0:
        raise TestError("the whole run went over %.0f s" % TOTAL_S)
    return min(limit, left)


def valid_bsn(avoid=()):
    """A random 9-digit BSN that passes the 11-check, first digit not 0."""
    rng = random.SystemRandom()
    for _ in range(1000):
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
        check = sum(d * (9 - i) for i, d in enumerate(digits)) % 11
        if check < 10:
            bsn = "".join(map(str, digits + [check]))
            if bsn not in avoid:
                return bsn
    raise TestError("no valid BSN found in 1000 tries")


# ---------------------------------------------------------------- server

def start_server(binary, data_dir, token):
    """Starts the server; returns (process, base URL) from its first line."""
    args = [binary, "--port", "0", "--data", data_dir, "--token", token,
            "--first-day", FIRST_DAY, "--days", "30", "--locations", "3"]
    # A session of its own, so that a last-resort kill reaches any child too.
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=None, start_new_session=True)
    line = b""
    end = time.monotonic() + remaining(START_S)
    while not line.endswith(b"\n"):
        left = end - time.monotonic()
        if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
            raise_start_failure(proc, "no 'listening' line within %.0f s" % START_S)
        chunk = os.read(proc.stdout.fileno(), 1)
        if not chunk:
            status = stop(proc, signal.SIGKILL, 2)
            raise TestError("server: exited (%s) before the 'listening' line" % status)
        line += chunk
    text = line.decode().strip()
    prefix = "slotbook-server listening on "
    if not text.startswith(prefix) or " token=" not in text:
        raise_start_failure(proc, "unexpected first line %r" % text)
    url, _, printed = text[len(prefix):].partition(" token=")
    if printed != token:
        raise_start_failure(proc, "printed token %r, not the one given" % printed)
    return proc, url.rstrip("/")


def raise_start_failure(proc, why):
    stop(proc, signal.SIGKILL, 2)
    raise TestError("server: " + why)


def stop(proc, sig, wait_s):
    """Signals proc unless it is gone; returns its exit status or None."""
    if proc is None:
        return None
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        status = proc.wait(timeout=wait_s)
    except subprocess.TimeoutExpired:
        status = None
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever is left in its session
    except ProcessLookupError:
        pass
    proc.wait(timeout=5)
    if proc.stdout:
        proc.stdout.close()
    return status


def api(base, method, path, body=None, token=None):
    """One JSON call; returns (HTTP status, decoded body)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=remaining(5)) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw)
        except ValueError:
            return err.code, raw.decode(errors="replace")


def admin(base, token, path, body):
    status, answer = api(base, "POST", path, body, token)
    if status != 200 or not isinstance(answer, dict) or answer.get("ok") is not True:
        raise TestError("POST %s %s -> HTTP %s %s" % (path, json.dumps(body), status, answer))


# ---------------------------------------------------------------- browser

class Browser:
    """chromium driven over --remote-debugging-pipe, one tab, flat sessions."""

    def __init__(self, binary, profile_dir, log_path):
        # Pipe ends are first moved above fd 9 so that putting them on 3 and 4
        # in the child cannot overwrite one another.
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        self._child_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        self._child_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._w, self._r = to_chrome_w, from_chrome_r
        self._buf = b""
        self._next_id = 0
        self.session = None
        self.page_errors = []
        child_r, child_w = self._child_r, self._child_w

        def on_fds_3_and_4():
            # dup2 clears close-on-exec on the copies.  close_fds stays off,
            # as it would close 3 and 4 too (pass_fds names descriptors of
            # this process, which may not be open); Python's own descriptors
            # are close-on-exec (PEP 446), so chromium gets 0-4 and whatever
            # this process itself inherited as inheritable.
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        self._log = open(log_path, "wb")
        args = [binary, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", "--user-data-dir=" + profile_dir,
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--mute-audio", "--hide-scrollbars",
                "--window-size=1000,900", "about:blank"]
        # meson test sets MALLOC_PERTURB_ for the code under test; chromium is
        # not that, and runs several times slower with it.
        env = {k: v for k, v in os.environ.items() if k != "MALLOC_PERTURB_"}
        # A session of its own lets close() end chromium's helper processes too.
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, close_fds=False,
                                     preexec_fn=on_fds_3_and_4, start_new_session=True)
        os.close(self._child_r)
        os.close(self._child_w)

    def send(self, method, params=None, timeout=WAIT_S, session=True):
        """Sends one command; returns its result or raises TestError."""
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._w, data):]
        end = time.monotonic() + remaining(timeout)
        while True:
            reply = self._take(self._next_id)
            if reply is not None:
                if "error" in reply:
                    raise TestError("%s: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})
            left = end - time.monotonic()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                raise TestError("%s: no answer from chromium within %.0f s" % (method, timeout))
            chunk = os.read(self._r, 1 << 16)
            if not chunk:
                raise TestError("%s: chromium closed its pipe (exit %s)" % (method, self.proc.poll()))
            self._buf += chunk

    def _take(self, want):
        """The reply with id want from the buffer, if whole; events on the way
        are noted (page errors) and dropped."""
        while b"\0" in self._buf:
            raw, self._buf = self._buf.split(b"\0", 1)
            msg = json.loads(raw)
            if msg.get("id") == want:
                return msg
            self._note(msg)
        return None

    def _note(self, event):
        """Keeps the pages' own errors: uncaught exceptions, console.error,
        and failed loads (a missing /static file) reported by the Log domain."""
        params = event.get("params", {})
        if event.get("method") == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.page_errors.append(details.get("exception", {}).get("description")
                                    or details.get("text"))
        elif event.get("method") == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.page_errors.append(" ".join(str(a.get("value", a.get("description")))
                                             for a in params.get("args", [])))
        elif event.get("method") == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            self.page_errors.append("%s %s" % (entry.get("text"), entry.get("url", "")))

    def open_tab(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, timeout=START_S)
        attached = self.send("Target.attachToTarget",
                             {"targetId": target["targetId"], "flatten": True})
        self.session = attached["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Log.enable")

    def evaluate(self, expr):
        """Value of a JS expression (promises awaited), or TestError on a throw."""
        result = self.send("Runtime.evaluate", {"expression": expr, "awaitPromise": True,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise TestError("JS threw: %s\n    in: %s" % (text, expr))
        return result["result"].get("value")

    def wait_for(self, expr, what, timeout=WAIT_S, explain=None):
        """Polls expr until truthy; returns its value.  On timeout the error
        names what was awaited and the value of explain (e.g. an error box)."""
        end = time.monotonic() + remaining(timeout)
        while True:
            value = self.evaluate(expr)
            if value:
                return value
            if time.monotonic() >= end:
                seen = ""
                if explain:
                    seen = "; page shows: %r" % self.evaluate(explain)
                raise TestError("timed out after %.0f s waiting for %s%s" % (timeout, what, seen))
            time.sleep(0.1)

    def navigate(self, url):
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise TestError("navigate %s: %s" % (url, result["errorText"]))
        self.wait_for("location.href === %s && document.readyState === 'complete' && "
                      "document.body && document.body.dataset.ready === '1'" % json.dumps(url),
                      "%s to load" % url)

    def fill(self, element_id, value):
        """Sets a field's value as typing would: input and change events fire."""
        self.evaluate("""(() => {
            const e = document.getElementById(%s);
            if (!e) throw new Error("no element #" + %s);
            e.value = %s;
            e.dispatchEvent(new Event("input", {bubbles: true}));
            e.dispatchEvent(new Event("change", {bubbles: true}));
        })()""" % (json.dumps(element_id), json.dumps(element_id), json.dumps(value)))

    def click(self, selector):
        self.evaluate("""(() => {
            const e = document.querySelector(%s);
            if (!e) throw new Error("nothing matches " + %s);
            e.click();
        })()""" % (json.dumps(selector), json.dumps(selector)))

    def screenshot(self, path):
        """The whole page (beyond the viewport) as PNG."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        })
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    def close(self):
        try:
            if self.proc.poll() is None:
                self.send("Browser.close", timeout=3, session=False)
        except (TestError, OSError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # helpers left in its session
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=5)
        os.close(self._w)
        os.close(self._r)
        self._log.close()


# ---------------------------------------------------------------- steps

def text_of(element_id):
    return "(document.getElementById(%s) || {}).textContent || ''" % json.dumps(element_id)


def step_planner_days(t):
    b = t["browser"]
    b.navigate(t["base"] + "/")
    options = b.evaluate("[...document.querySelectorAll('#location option')].map(o => o.value)")
    if options != ["0", "1", "2"]:
        raise TestError("location choices %r, expected ['0', '1', '2']" % options)
    b.fill("location", "0")
    b.fill("from", FIRST_DAY)
    b.click("#load")
    dates = b.wait_for(
        "[...document.querySelectorAll('#days button[data-date]')].map(e => e.dataset.date)"
        ".join(' ')", "free days in #days", explain=text_of("error"))
    if dates.split() != list(FREE_DAYS):
        raise TestError("free days %r, expected %r" % (dates.split(), list(FREE_DAYS)))
    return "locations 0-2; free days %s" % ", ".join(dates.split())


def step_planner_error(t):
    """A BSN failing the 11-check: the page shows the server's own sentence."""
    b = t["browser"]
    bad = "123456789"
    status, answer = api(t["base"], "POST", "/api/reserve",
                         {"bsn": bad, "location": 0, "date": FREE_DAYS[0], "window": 0})
    if status == 200 or not isinstance(answer, dict) or not answer.get("error"):
        raise TestError("POST /api/reserve with BSN %s -> HTTP %s %s" % (bad, status, answer))
    b.fill("bsn", bad)
    b.click("#days button[data-date]")
    text = b.wait_for(
        "(() => { const e = document.getElementById('error');"
        " return e.classList.contains('bad') && e.textContent.includes(%s) && e.innerText; })()"
        % json.dumps(answer["error"]),
        "#error to show %r" % answer["error"], explain=text_of("error"))
    b.screenshot(os.path.join(t["shots"], "planner-error.png"))
    return "BSN %s: %s" % (bad, " / ".join(text.split("\n")))


def step_planner_book(t):
    b = t["browser"]
    b.fill("bsn", t["bsn"])
    b.click("#days button[data-date]")
    b.wait_for("!document.getElementById('hold').hidden", "the hold (#confirm) to show",
               explain=text_of("error"))
    b.click("#confirm")
    code = b.wait_for("!document.getElementById('done').hidden && (%s).trim()" % text_of("code"),
                      "a code in #code", explain=text_of("error"))
    t["code"] = code
    b.screenshot(os.path.join(t["shots"], "planner.png"))
    return "BSN %s booked %s at location 0, code %s" % (t["bsn"], FREE_DAYS[0], code)


def step_lookup(t):
    """The server agrees: the person holds a booking on the day clicked."""
    status, answer = api(t["base"], "POST", "/api/lookup", {"bsn": t["bsn"]})
    booking = answer.get("booking", {}) if isinstance(answer, dict) else {}
    if status != 200 or booking.get("state") != "booked" or booking.get("date") != FREE_DAYS[0] \
            or booking.get("location") != 0:
        raise TestError("POST /api/lookup -> HTTP %s %s" % (status, answer))
    return "POST /api/lookup: booked, %s" % booking["date"]


def desk_submit(b, code, bsn, button, expect, kind, what):
    b.fill("desk-code", code)
    b.fill("desk-bsn", bsn)
    b.evaluate("document.getElementById('result').replaceChildren()")
    b.click(button)
    return b.wait_for(
        "(() => { const r = document.getElementById('result');"
        " return r.classList.contains(%s) && r.textContent.includes(%s) && r.innerText; })()"
        % (json.dumps(kind), json.dumps(expect)),
        what, explain=text_of("result"))


def step_desk_token(t):
    """A wrong token: the server says 401, the page says the token is refused;
    the right one is then kept in sessionStorage."""
    b = t["browser"]
    b.navigate(t["base"] + "/desk")
    b.fill("token", "not-" + t["token"])
    text = desk_submit(b, t["code"], t["bsn"], "#verify", "Token refused", "bad",
                       "#result to say 'Token refused'")
    b.fill("token", t["token"])
    kept = b.evaluate("sessionStorage.getItem('slotbook.token')")
    if kept != t["token"]:
        raise TestError("token not kept in sessionStorage (got %r)" % kept)
    return "wrong token: %s" % " / ".join(text.split("\n"))


def step_desk_verify(t):
    b = t["browser"]
    text = desk_submit(b, t["code"], t["bsn"], "#verify", FIRST_DAY[:8] + FREE_DAYS[0][8:],
                       "good", "#result to show the booking")
    b.screenshot(os.path.join(t["shots"], "desk-verify.png"))
    return " / ".join(text.split("\n")[:1] + [line for line in text.split("\n")
                                                if FREE_DAYS[0] in line])


def step_desk_redeem(t):
    b = t["browser"]
    text = desk_submit(b, t["code"], t["bsn"], "#redeem", "Redeemed", "good",
                       "#result to say Redeemed")
    again = desk_submit(b, t["code"], t["bsn"], "#redeem", "Already used", "bad",
                        "#result to say 'Already used' on a second redeem")
    return "%s; again: %s" % (text.split("\n")[0], " / ".join(again.split("\n")))


def step_desk_wrong_holder(t):
    b = t["browser"]
    other = valid_bsn(avoid={t["bsn"]})
    text = desk_submit(b, t["code"], other, "#verify", "Resold or copied code", "bad",
                       "#result to say 'Resold or copied code' with class bad")
    b.screenshot(os.path.join(t["shots"], "desk-wrong-holder.png"))
    status, answer = api(t["base"], "POST", "/api/desk/redeem",
                         {"code": t["code"], "bsn": other}, t["token"])
    if status != 403 or answer.get("status") != "SB_WRONG_HOLDER":
        raise TestError("POST /api/desk/redeem with BSN %s -> HTTP %s %s" % (other, status, answer))
    return "BSN %s: %s" % (other, " / ".join(text.split("\n")))


def step_narrow_screens(t):
    """Both pages at a phone's width, for the eye; nothing may overflow."""
    b = t["browser"]
    b.send("Emulation.setDeviceMetricsOverride",
           {"width": 390, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    widths = {}
    for path, name in (("/", "planner-narrow.png"), ("/desk", "desk-narrow.png")):
        b.navigate(t["base"] + path)
        widths[path] = b.evaluate("document.documentElement.scrollWidth")
        b.screenshot(os.path.join(t["shots"], name))
    b.send("Emulation.clearDeviceMetricsOverride")
    wide = {p: w for p, w in widths.items() if w > 390}
    if wide:
        raise TestError("pages wider than 390 px: %s" % wide)
    return "no horizontal overflow at 390 px"


def step_no_page_errors(t):
    """Over every step: no uncaught exception, console.error or failed load.
    A 4xx answer of the API is logged by chromium as a failed resource, so
    lines naming /api/ are expected and left out."""
    b = t["browser"]
    b.evaluate("1")  # drains events that came in after the last command
    errors = [e for e in b.page_errors if "/api/" not in e]
    if errors:
        raise TestError("; ".join(errors[:5]))
    return "none (%d expected API refusals logged)" % (len(b.page_errors) - len(errors))


def step_server_stops(t):
    status = stop(t.pop("server"), signal.SIGTERM, 10)
    if status != 0:
        raise TestError("exit status %s after SIGTERM, expected 0" % status)
    return "SIGTERM -> exit 0"


# (name, function, runs even after an earlier step failed).  The booking
# steps build on one another; the last three need only a live browser and
# server, so they still report after a failure.
STEPS = (
    ("planner: lists the locations and only the free days", step_planner_days, False),
    ("planner: an invalid BSN shows the server's error", step_planner_error, False),
    ("planner: reserve and confirm the first free day, code shown", step_planner_book, False),
    ("server: the booking is there", step_lookup, False),
    ("desk: a wrong token is refused, the right one kept", step_desk_token, False),
    ("desk: verify with the same BSN shows the booking", step_desk_verify, False),
    ("desk: redeem succeeds once, then 'Already used'", step_desk_redeem, False),
    ("desk: another BSN shows 'Resold or copied code'", step_desk_wrong_holder, False),
    ("pages fit a 390 px screen", step_narrow_screens, True),
    ("pages raised no script or load errors", step_no_page_errors, True),
    ("server stops cleanly", step_server_stops, True),
)


def run(binary, chromium, tmp):
    t = {"token": secrets.token_hex(16), "bsn": valid_bsn(), "shots": os.path.join(tmp, "shots")}
    os.mkdir(t["shots"])
    passed = failed = 0
    try:
        setup(t, binary, chromium, tmp)
    except Exception as err:  # anything: the finally below still cleans up
        print("FAIL setup: %s" % describe(err))
        return cleanup(t, tmp, 0, len(STEPS))
    broken = None
    for name, step, always in STEPS:
        if broken and not always:
            print("FAIL %s: not run, after: %s" % (name, broken))
            failed += 1
            continue
        try:
            print("ok   %s: %s" % (name, step(t)))
            passed += 1
        except Exception as err:
            print("FAIL %s: %s" % (name, describe(err)))
            failed += 1
            broken = name
        sys.stdout.flush()
    return cleanup(t, tmp, passed, failed)


def setup(t, binary, chromium, tmp):
    t["server"], t["base"] = start_server(binary, os.path.join(tmp, "data"), t["token"])
    print("setup: server at %s" % t["base"])
    admin(t["base"], t["token"], "/api/admin/open", {"location": 0})
    for day in FREE_DAYS:
        admin(t["base"], t["token"], "/api/admin/release",
              {"location": 0, "date": day, "window": 0, "places": PLACES})
    print("setup: location 0 open, %d places on %s" % (PLACES, ", ".join(FREE_DAYS)))
    t["browser"] = Browser(chromium, os.path.join(tmp, "profile"),
                           os.path.join(tmp, "chromium.log"))
    t["browser"].open_tab()
    print("setup: %s" % t["browser"].send("Browser.getVersion", session=False)["product"])
    sys.stdout.flush()


def describe(err):
    """A TestError says what went wrong itself; anything else is a surprise
    (a server answer of the wrong shape, say), so it names its type."""
    return str(err) if isinstance(err, TestError) else "%s: %s" % (type(err).__name__, err)


def cleanup(t, tmp, passed, failed):
    """Ends chromium and the server, whatever state they are in; reports."""
    if t.get("browser") is not None:
        t.pop("browser").close()
    stop(t.pop("server", None), signal.SIGTERM, 5)
    if failed and os.path.exists(os.path.join(tmp, "chromium.log")):
        with open(os.path.join(tmp, "chromium.log"), "rb") as f:
            tail = f.read()[-1500:].decode(errors="replace").strip()
        if tail:
            print("chromium log (tail):\n    " + "\n    ".join(tail.splitlines()))
    shots = sorted(os.listdir(t["shots"]))
    if shots:
        os.makedirs(SHOTS_COPY, exist_ok=True)
        for name in shots:
            shutil.copy(os.path.join(t["shots"], name), SHOTS_COPY)
        print("screenshots: %s/{%s}" % (SHOTS_COPY, ",".join(shots)))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed == len(STEPS) else 1


def main():
    if len(sys.argv) != 2:
        print("usage: browser_test.py PATH/TO/slotbook-server", file=sys.stderr)
        return 2
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("SKIP: no chromium on PATH")
        return 77
    tmp = tempfile.mkdtemp(prefix="slotbook-browser-")
    try:
        return run(os.path.abspath(sys.argv[1]), chromium, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
