#!/usr/bin/env python3
"""HTTP API test of slotbook-server, against examples/booking-server/API.md.

    python3 tests/server/api_test.py PATH-TO-slotbook-server

Starts the server on a free port with a fresh data directory, talks to it
over real HTTP (raw sockets, so that odd methods, NUL bytes, chunked and
oversized bodies go out exactly as written), restarts it on the same data
directory to check durability, and prints one line per check and then
"N passed, N failed".  Exit status 0 only when every check passed.
Python 3 standard library only.
"""

import base64
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

FIRST_DAY = "2022-09-01"
DAYS = 30
LOCATIONS = 3
HORIZON = ["2022-09-%02d" % d for d in range(1, 31)]  # 30 days from 09-01
START_TIMEOUT_S = 20
REQUEST_TIMEOUT_S = 10
CODE_RE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
LINE_RE = re.compile(r"^slotbook-server listening on http://(\S+):(\d+) token=(\S+)$")
BOOKING_KEYS = {"bsn", "location", "date", "window", "state"}
AVAIL_FIELDS = ("location", "from", "to", "days", "next_free")
SLOT_KEYS = {"date", "window", "capacity", "free", "held", "booked", "redeemed"}


# ---------------------------------------------------------------- reporting

class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print("PASS  %s" % name, flush=True)
        else:
            self.failed += 1
            self.failures.append((name, detail))
            print("FAIL  %s: %s" % (name, detail), flush=True)
        return bool(cond)

    def info(self, text):
        print("INFO  %s" % text, flush=True)


R = Report()

# Keys a response carries beyond the contract's: the contract gives a
# failure as exactly {"ok", "status", "error"} and a success as "ok" and the
# table's fields.  Collected over the run and judged by one check each at
# the end (so that one extra key does not fail a hundred checks).
EXTRA_KEYS = {"success": {}, "failure": {}}


def note_extra(kind, r, name, keys):
    for k in keys:
        EXTRA_KEYS[kind].setdefault(k, (name, r.raw[:200].decode("utf-8", "replace")))


def check_extra_keys():
    for kind, want in (("failure", "exactly ok, status, error"),
                       ("success", "ok and the table's fields only")):
        seen = EXTRA_KEYS[kind]
        R.check("contract: %s bodies carry %s" % (kind, want), not seen,
                "; ".join("extra key %r, first in '%s': %s" % (k, v[0], v[1])
                          for k, v in sorted(seen.items())))


# ---------------------------------------------------------------- BSNs

RNG = random.Random(int.from_bytes(os.urandom(8), "little"))
USED_BSNS = set()


def bsn_valid(s):
    if len(s) != 9 or not s.isdigit() or int(s) == 0:
        return False
    d = [int(c) for c in s]
    return (sum(d[i] * (9 - i) for i in range(8)) - d[8]) % 11 == 0


def new_bsn(leading_zero=False):
    """A fresh valid BSN (9 digits, 11-check), never handed out before."""
    while True:
        d = [RNG.randint(0, 9) for _ in range(8)]
        d[0] = 0 if leading_zero else RNG.randint(1, 9)
        if leading_zero and d[1] == 0:
            d[1] = 1
        last = sum(d[i] * (9 - i) for i in range(8)) % 11
        if last == 10:
            continue
        s = "".join(map(str, d)) + str(last)
        if s in USED_BSNS or not bsn_valid(s):
            continue
        USED_BSNS.add(s)
        return s


def bad_bsn():
    """9 digits that fail the 11-check."""
    s = new_bsn()
    bad = s[:8] + str((int(s[8]) + 1) % 10)
    assert not bsn_valid(bad)
    return bad


assert bsn_valid("123456782") and not bsn_valid("123456789")


# ---------------------------------------------------------------- HTTP

class Resp:
    def __init__(self, status=None, headers=None, raw=b"", error=None):
        self.status = status
        self.headers = headers or {}
        self.raw = raw
        self.error = error
        self.json = None
        self.json_error = None
        if status is not None:
            try:
                self.json = json.loads(raw.decode("utf-8"))
            except Exception as exc:  # noqa: BLE001
                self.json_error = str(exc)

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        if self.status is None:
            return "<no response: %s>" % self.error
        body = self.raw[:300].decode("utf-8", "replace")
        return "<HTTP %s %s>" % (self.status, body)


class Server:
    def __init__(self, binary, data, token, workdir):
        self.binary = binary
        self.data = data
        self.token = token
        self.workdir = workdir
        self.proc = None
        self.host = None
        self.port = None
        self.line = None
        self.starts = 0
        self.stderr_path = None

    def start(self):
        """Starts the server; returns the first stdout line or None."""
        self.starts += 1
        out_path = os.path.join(self.workdir, "stdout.%d" % self.starts)
        self.stderr_path = os.path.join(self.workdir, "stderr.%d" % self.starts)
        env = dict(os.environ)
        env.pop("SLOTBOOK_TOKEN", None)
        with open(out_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [self.binary, "--port", "0", "--data", self.data, "--token", self.token,
                 "--first-day", FIRST_DAY, "--days", str(DAYS), "--locations", str(LOCATIONS)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with open(out_path, "rb") as f:
                content = f.read()
            if b"\n" in content:
                self.line = content.split(b"\n", 1)[0].decode("utf-8", "replace")
                m = LINE_RE.match(self.line)
                if m:
                    self.host, self.port = m.group(1), int(m.group(2))
                return self.line
            if self.proc.poll() is not None:
                return None
            time.sleep(0.02)
        return None

    def stderr_tail(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        """SIGTERM, then SIGKILL after a few seconds.  Returns the exit status
        (negative: killed by that signal) or None when nothing ran."""
        p = self.proc
        if p is None:
            return None
        self.proc = None
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                return "killed after SIGTERM timed out"
        return p.returncode

    def kill(self):
        """SIGKILL: a crash, nothing flushed at exit."""
        p, self.proc = self.proc, None
        if p is not None and p.poll() is None:
            p.kill()
        if p is not None:
            p.wait()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # -- requests

    def request(self, method, path, body=None, token=None, auth=None, headers=None,
                chunked=False, content_type="application/json"):
        """One request on a fresh connection.  body: dict/list (JSON-encoded),
        str or bytes (sent as is), or None (no body).  token: sends
        "Authorization: Bearer TOKEN"; auth: sends "Authorization: AUTH"
        verbatim."""
        if self.port is None:
            return Resp(error="server not started")
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = body
        lines = ["%s %s HTTP/1.1" % (method, path),
                 "Host: %s:%d" % (self.host, self.port),
                 "Connection: close",
                 "Accept: application/json"]
        if token is not None:
            lines.append("Authorization: Bearer %s" % token)
        if auth is not None:
            lines.append("Authorization: %s" % auth)
        if data is not None and content_type:
            lines.append("Content-Type: %s" % content_type)
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        if data is not None:
            if chunked:
                lines.append("Transfer-Encoding: chunked")
                payload = b""
                for i in range(0, len(data), 1000):
                    part = data[i:i + 1000]
                    payload += b"%x\r\n" % len(part) + part + b"\r\n"
                payload += b"0\r\n\r\n"
            else:
                lines.append("Content-Length: %d" % len(data))
                payload = data
        else:
            payload = b""
        wire = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload
        sock = None
        send_error = None
        try:
            sock = socket.create_connection((self.host, self.port), timeout=REQUEST_TIMEOUT_S)
            try:
                sock.sendall(wire)
            except OSError as exc:  # the server may answer 413 and stop reading
                send_error = exc
            resp = http.client.HTTPResponse(sock, method=method)
            resp.begin()
            raw = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            return Resp(resp.status, hdrs, raw)
        except Exception as exc:  # noqa: BLE001
            msg = "%s: %s" % (type(exc).__name__, exc)
            if send_error is not None:
                msg += " (after send error %s)" % send_error
            return Resp(error=msg)
        finally:
            if sock is not None:
                sock.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body if body is not None else b"", **kw)


# ---------------------------------------------------------------- checks

def json_ct(r):
    ct = (r.header("content-type") or "").split(";")[0].strip().lower()
    return ct == "application/json"


def expect_ok(name, r, fields=()):
    """HTTP 200, JSON, ok true, the listed fields present; fields == None:
    no field but ok (the contract's "—")."""
    problems = []
    if r.status != 200:
        problems.append("want HTTP 200, got %r" % r)
    elif not json_ct(r):
        problems.append("Content-Type %r" % r.header("content-type"))
    if r.status is not None:
        j = r.json
        if not isinstance(j, dict):
            problems.append("body not a JSON object: %r" % r.raw[:200])
        else:
            if j.get("ok") is not True:
                problems.append("ok is %r" % j.get("ok"))
            for f in fields or ():
                if f not in j:
                    problems.append("field %r missing in %s" % (f, json.dumps(j)[:300]))
            extra = set(j) - {"ok"} - set(fields or ())
            if extra and j.get("ok") is True:
                note_extra("success", r, name, extra)
    R.check(name, not problems, "; ".join(problems))
    return r.json if (not problems and isinstance(r.json, dict)) else None


def expect_c_booked(srv, c, when):
    """C's code (booked in test_people) verifies at the desk, and shows C
    booked on 2022-09-03 window 0, not redeemed."""
    if not c.codeC:
        return
    j = expect_ok("%s: C's code still verifies -> 200" % when,
                  srv.post("/api/desk/verify", {"code": c.codeC, "bsn": c.C}, token=srv.token),
                  fields=("booking",))
    if j:
        expect_booking("%s: C still booked, not redeemed" % when, j["booking"], c.C, 0,
                       "2022-09-03", 0, "booked")


def expect_err(name, r, http_status, names, field=None, www_auth=False, alts=()):
    """HTTP http_status, JSON {"ok": false, "status": one of names,
    "error": sentence}; field: the sentence must name it.  alts: other
    (HTTP status, status name) pairs the contract allows here."""
    if isinstance(names, str):
        names = (names,)
    for alt_http, alt_name in alts:
        if r.status == alt_http and isinstance(r.json, dict) and r.json.get("status") == alt_name:
            http_status, names = alt_http, (alt_name,)
    problems = []
    if r.status != http_status:
        problems.append("want HTTP %d %s%s, got %r" % (
            http_status, "/".join(names),
            "".join(" or %d %s" % a for a in alts), r))
    else:
        if not json_ct(r):
            problems.append("Content-Type %r" % r.header("content-type"))
        j = r.json
        if not isinstance(j, dict):
            problems.append("body not a JSON object: %r" % r.raw[:200])
        else:
            if set(j) - {"ok", "status", "error"}:
                note_extra("failure", r, name, set(j) - {"ok", "status", "error"})
            if j.get("ok") is not False:
                problems.append("ok is %r" % j.get("ok"))
            if j.get("status") not in names:
                problems.append("want status %s, got %r" % ("/".join(names), j.get("status")))
            err = j.get("error")
            if not isinstance(err, str) or not err:
                problems.append("error %r is not a sentence" % err)
            elif field is not None and j.get("status") == "bad_request" \
                    and field.lower() not in err.lower():
                problems.append("error %r does not name the field %r" % (err, field))
        if www_auth:
            wa = r.header("www-authenticate") or ""
            if not wa.lower().startswith("bearer"):
                problems.append("WWW-Authenticate %r, want Bearer" % wa)
    if not problems and (len(names) > 1 or alts) and isinstance(r.json, dict):
        name += " [got %d %s]" % (r.status, r.json.get("status"))
    return R.check(name, not problems, "; ".join(problems))


def expect_booking(name, b, bsn, location, date, window, state):
    problems = []
    if not isinstance(b, dict):
        problems.append("booking %r is not an object" % (b,))
    else:
        want_keys = BOOKING_KEYS | ({"deadline_ms"} if state == "held" else set())
        if set(b) != want_keys:
            problems.append("keys %s, want %s" % (sorted(b), sorted(want_keys)))
        want = {"bsn": bsn, "location": location, "date": date, "window": window,
                "state": state}
        for k, v in want.items():
            if b.get(k) != v or type(b.get(k)) is not type(v):
                problems.append("%s=%r, want %r" % (k, b.get(k), v))
        if state == "held":
            d = b.get("deadline_ms")
            if not isinstance(d, int) or isinstance(d, bool) or d <= 0:
                problems.append("deadline_ms=%r, want a positive integer" % d)
    return R.check(name, not problems, "; ".join(problems))


def avail(srv, loc, frm, to=None):
    return srv.get("/api/availability?location=%s&from=%s&to=%s" % (loc, frm, to or frm))


def expect_slot(srv, name, loc, date, capacity, free, held=0, booked=0, redeemed=0):
    r = avail(srv, loc, date)
    j = expect_ok(name + " (availability 200)", r, fields=AVAIL_FIELDS)
    if j is None:
        R.check(name, False, "no availability")
        return
    want = {"date": date, "window": 0, "capacity": capacity, "free": free, "held": held,
            "booked": booked, "redeemed": redeemed}
    days = j.get("days")
    entry = None
    if isinstance(days, list):
        entry = next((d for d in days if isinstance(d, dict) and d.get("date") == date
                      and d.get("window") == 0), None)
    problems = []
    if j.get("location") != loc:
        problems.append("location %r, want %r" % (j.get("location"), loc))
    if entry is None:
        problems.append("no entry for %s window 0 in %r" % (date, days))
    else:
        if set(entry) != SLOT_KEYS:
            problems.append("keys %s, want %s" % (sorted(entry), sorted(SLOT_KEYS)))
        for k, v in want.items():
            if entry.get(k) != v:
                problems.append("%s=%r, want %r" % (k, entry.get(k), v))
    R.check(name, not problems, "; ".join(problems))


def stats(srv):
    return srv.get("/api/admin/stats", token=srv.token)


def snapshot(srv, people=()):
    """What must not change: the availability of every location over the
    whole horizon, the journal's records and size, the people stored, and
    each listed person's lookup."""
    snap = {}
    for loc in range(LOCATIONS):
        r = avail(srv, loc, HORIZON[0], HORIZON[-1])
        snap["avail%d" % loc] = (r.status, r.json)
    r = stats(srv)
    j = r.json if isinstance(r.json, dict) else {}
    jr = j.get("journal") if isinstance(j.get("journal"), dict) else {}
    snap["stats"] = (r.status, j.get("people"), jr.get("records"), jr.get("bytes"))
    for p in people:
        r = srv.post("/api/lookup", {"bsn": p})
        snap["lookup" + p] = (r.status, r.json)
    return snap


def expect_same(name, before, after):
    diffs = [k for k in before if before[k] != after.get(k)]
    R.check(name, not diffs,
            "; ".join("%s: before %s, after %s" % (k, str(before[k])[:200], str(after.get(k))[:200])
                      for k in diffs))


# ---------------------------------------------------------------- the test

class Ctx:
    pass


def test_start(srv, data):
    line = srv.start()
    if not R.check("start: first stdout line within %ds" % START_TIMEOUT_S, line is not None,
                   "no line; exit %r; stderr: %s" % (srv.proc.poll() if srv.proc else None,
                                                    srv.stderr_tail())):
        return False
    m = LINE_RE.match(line)
    R.check("start: line is 'slotbook-server listening on http://ADDR:PORT token=TOKEN'",
            m is not None, "got %r" % line)
    if not m:
        return False
    R.check("start: ADDR is the default bind 127.0.0.1", m.group(1) == "127.0.0.1",
            "got %r" % m.group(1))
    R.check("start: actual port printed with --port 0", 0 < int(m.group(2)) < 65536,
            "got %r" % m.group(2))
    R.check("start: printed token is --token", m.group(3) == srv.token,
            "got %r want %r" % (m.group(3), srv.token))
    return True


def test_data_dir(srv, data):
    key = os.path.join(data, "code.key")
    journal = os.path.join(data, "journal")
    R.check("data: --data DIR created with journal", os.path.isfile(journal),
            "listing %r" % (os.listdir(data) if os.path.isdir(data) else None))
    ok = os.path.isfile(key)
    if R.check("data: code.key exists", ok, "listing %r" % (os.listdir(data) if os.path.isdir(data) else None)):
        st = os.stat(key)
        R.check("data: code.key is 32 bytes, mode 0600",
                st.st_size == 32 and stat.S_IMODE(st.st_mode) == 0o600,
                "size %d mode %o" % (st.st_size, stat.S_IMODE(st.st_mode)))


def test_pages(srv):
    for path in ("/", "/desk"):
        r = srv.get(path)
        R.check("pages: GET %s -> 200" % path, r.status == 200, "got %r" % r)
    for path in ("/static/../API.md", "/static/..%2f..%2fAPI.md", "/static/%2e%2e/API.md"):
        r = srv.get(path)
        R.check("pages: GET %s is not served (no '..')" % path,
                r.status is not None and r.status != 200 and r.status < 500,
                "got %r" % r)


def test_admin_setup(srv, c):
    t = srv.token
    j = expect_ok("stats: GET /api/admin/stats with token -> 200", stats(srv),
                  fields=("calls", "people", "journal"))
    if j:
        jr = j.get("journal")
        R.check("stats: calls is an object op -> integer count",
                isinstance(j.get("calls"), dict)
                and all(isinstance(v, int) for v in j["calls"].values()),
                "calls=%r" % j.get("calls"))
        R.check("stats: people is an integer", isinstance(j.get("people"), int),
                "people=%r" % j.get("people"))
        R.check("stats: journal has integer records, flushes, bytes",
                isinstance(jr, dict) and all(isinstance(jr.get(k), int)
                                             for k in ("records", "flushes", "bytes")),
                "journal=%r" % jr)

    # Locations start closed: a book at location 0 before it is opened.
    c.early = new_bsn()
    expect_err("closed: book at a never-opened location -> 409 SB_CLOSED",
               srv.post("/api/book", {"bsn": c.early, "location": 0, "date": "2022-09-03",
                                      "window": 0}), 409, "SB_CLOSED")

    expect_ok("admin: open location 0 -> 200 {ok:true}",
              srv.post("/api/admin/open", {"location": 0}, token=t), fields=None)
    expect_ok("admin: open location 0 again (idempotent) -> 200",
              srv.post("/api/admin/open", {"location": 0}, token=t), fields=None)
    expect_ok("admin: open location 1 -> 200",
              srv.post("/api/admin/open", {"location": 1}, token=t), fields=None)
    for loc, date, places in ((0, "2022-09-03", 2), (0, "2022-09-05", 3), (1, "2022-09-10", 5),
                              (2, "2022-09-05", 5)):
        expect_ok("admin: release %d places at location %d %s window 0 -> 200"
                  % (places, loc, date),
                  srv.post("/api/admin/release", {"location": loc, "date": date, "window": 0,
                                                  "places": places}, token=t), fields=None)
    expect_ok("admin: release 100000 places (the most at once) -> 200",
              srv.post("/api/admin/release", {"location": 2, "date": "2022-09-07", "window": 0,
                                              "places": 100000}, token=t), fields=None)
    for places in (0, 100001, 200000):
        expect_err("admin: release %d places (outside 1 .. 100000) -> 400" % places,
                   srv.post("/api/admin/release", {"location": 0, "date": "2022-09-04",
                                                   "window": 0, "places": places}, token=t),
                   400, "bad_request", field="places")


def test_availability(srv):
    r = avail(srv, 0, "2022-09-01", "2022-09-07")
    j = expect_ok("availability: location 0, 2022-09-01..07 -> 200", r,
                  fields=AVAIL_FIELDS)
    if j:
        days = j.get("days") if isinstance(j.get("days"), list) else []
        dates = sorted({d.get("date") for d in days if isinstance(d, dict)})
        R.check("availability: location is 0", j.get("location") == 0, "got %r" % j.get("location"))
        R.check("availability: an entry for every day of the range",
                dates == ["2022-09-%02d" % d for d in range(1, 8)], "dates %r" % dates)
        R.check("availability: every entry has exactly date, window, capacity, free, held, "
                "booked, redeemed",
                days and all(isinstance(d, dict) and set(d) == SLOT_KEYS for d in days),
                "days %r" % days[:3])
        want = {"2022-09-03": 2, "2022-09-05": 3}
        bad = [d for d in days if isinstance(d, dict) and
               (d.get("capacity") != (want.get(d.get("date"), 0) if d.get("window") == 0 else 0)
                or d.get("free") != d.get("capacity")
                or d.get("held") != 0 or d.get("booked") != 0 or d.get("redeemed") != 0)]
        R.check("availability: capacity/free as released (2 on 09-03, 3 on 09-05, else 0)",
                not bad, "unexpected %r" % bad)
        R.check("availability: next_free is 2022-09-03 window 0",
                j.get("next_free") == {"date": "2022-09-03", "window": 0},
                "got %r" % j.get("next_free"))
    j = expect_ok("availability: from 2022-09-04 -> 200", avail(srv, 0, "2022-09-04", "2022-09-06"),
                  fields=AVAIL_FIELDS)
    if j:
        R.check("availability: next_free from 2022-09-04 is 2022-09-05",
                j.get("next_free") == {"date": "2022-09-05", "window": 0},
                "got %r" % j.get("next_free"))
    j = expect_ok("availability: location 1 from 2022-09-11 (nothing free later) -> 200",
                  avail(srv, 1, "2022-09-11", "2022-09-12"), fields=AVAIL_FIELDS)
    if j:
        R.check("availability: next_free null when no later slot is free",
                j.get("next_free") is None, "got %r" % j.get("next_free"))
    j = expect_ok("availability: the whole 30-day horizon -> 200",
                  avail(srv, 0, HORIZON[0], HORIZON[-1]), fields=AVAIL_FIELDS)
    if j and isinstance(j.get("days"), list):
        R.check("availability: 30 days in the horizon listed",
                sorted({d.get("date") for d in j["days"] if isinstance(d, dict)}) == HORIZON,
                "got %d entries" % len(j["days"]))
    j = expect_ok("availability: 2022-09-25 to 2022-10-08 (two weeks past the horizon's end) "
                  "-> 200", avail(srv, 0, "2022-09-25", "2022-10-08"), fields=AVAIL_FIELDS)
    if j and isinstance(j.get("days"), list):
        R.check("availability: a range past the horizon is cut to its last day",
                (j.get("from"), j.get("to")) == ("2022-09-25", "2022-09-30") and
                sorted({d.get("date") for d in j["days"] if isinstance(d, dict)}) ==
                HORIZON[-6:], "from %r to %r, %d entries" % (j.get("from"), j.get("to"),
                                                           len(j["days"])))
    j = expect_ok("availability: 2022-09-01 to 2022-09-07 names its range -> 200",
                  avail(srv, 0, "2022-09-01", "2022-09-07"), fields=AVAIL_FIELDS)
    if j:
        R.check("availability: from and to as asked inside the horizon",
                (j.get("from"), j.get("to")) == ("2022-09-01", "2022-09-07"),
                "from %r to %r" % (j.get("from"), j.get("to")))
    r = avail(srv, 2, "2022-09-05")
    R.info("availability of closed location 2 (release works on closed ones): %r" % r)


def test_people(srv, c):
    t = srv.token
    A, B, C = new_bsn(), new_bsn(), new_bsn()
    c.A, c.B, c.C = A, B, C
    slot = {"location": 0, "date": "2022-09-03", "window": 0}

    # reserve -> lookup -> confirm
    j = expect_ok("people: reserve A -> 200 booking", srv.post("/api/reserve", dict(slot, bsn=A)),
                  fields=("booking",))
    if j:
        expect_booking("people: reserve A booking is held with deadline_ms", j["booking"], A, 0,
                       "2022-09-03", 0, "held")
    expect_slot(srv, "availability: after reserve, held 1 free 1", 0, "2022-09-03", 2, 1, held=1)
    # lookup with no Content-Type (not checked)
    j = expect_ok("people: lookup A (POST, no Content-Type) -> 200 held",
                  srv.post("/api/lookup", {"bsn": A}, content_type=None), fields=("booking",))
    if j:
        expect_booking("people: lookup A shows the hold", j["booking"], A, 0, "2022-09-03", 0,
                       "held")
    expect_err("people: reserve A twice -> 409 SB_DUPLICATE",
               srv.post("/api/reserve", dict(slot, bsn=A)), 409, "SB_DUPLICATE")
    j = expect_ok("people: confirm A -> 200 code, booking",
                  srv.post("/api/confirm", {"bsn": A}, content_type="text/plain"),
                  fields=("code", "booking"))
    c.codeA = None
    if j:
        c.codeA = j["code"]
        R.check("people: confirm code looks like XXXX-XXXX-XXXX-XXXX",
                isinstance(c.codeA, str) and CODE_RE.match(c.codeA), "code %r" % c.codeA)
        expect_booking("people: confirm A booking is booked (no deadline_ms)", j["booking"], A,
                       0, "2022-09-03", 0, "booked")
    expect_err("people: confirm A again -> 409 SB_DUPLICATE",
               srv.post("/api/confirm", {"bsn": A}), 409, "SB_DUPLICATE")
    expect_slot(srv, "availability: after confirm, booked 1 free 1", 0, "2022-09-03", 2, 1,
                booked=1)

    # book B: the slot is full afterwards
    j = expect_ok("people: book B -> 200 code, booking", srv.post("/api/book", dict(slot, bsn=B)),
                  fields=("code", "booking"))
    c.codeB = None
    if j:
        c.codeB = j["code"]
        R.check("people: book code looks like XXXX-XXXX-XXXX-XXXX",
                isinstance(c.codeB, str) and CODE_RE.match(c.codeB) and c.codeB != c.codeA,
                "code %r" % c.codeB)
        expect_booking("people: book B booking", j["booking"], B, 0, "2022-09-03", 0, "booked")
    expect_slot(srv, "availability: two booked, free 0", 0, "2022-09-03", 2, 0, booked=2)
    expect_err("people: book C in the full slot -> 409 SB_FULL",
               srv.post("/api/book", dict(slot, bsn=C)), 409, "SB_FULL")
    expect_err("people: reserve C in the full slot -> 409 SB_FULL",
               srv.post("/api/reserve", dict(slot, bsn=C)), 409, "SB_FULL")
    expect_err("people: lookup C (nothing) -> 404 SB_NOT_FOUND",
               srv.post("/api/lookup", {"bsn": C}), 404, "SB_NOT_FOUND")
    expect_err("people: confirm C (no hold) -> 404 SB_NOT_FOUND",
               srv.post("/api/confirm", {"bsn": C}), 404, "SB_NOT_FOUND")
    expect_err("people: cancel C (nothing) -> 404 SB_NOT_FOUND",
               srv.post("/api/cancel", {"bsn": C}), 404, "SB_NOT_FOUND")
    expect_err("people: book A again elsewhere -> 409 SB_DUPLICATE",
               srv.post("/api/book", {"bsn": A, "location": 0, "date": "2022-09-05", "window": 0}),
               409, "SB_DUPLICATE")
    expect_err("people: reserve A again elsewhere -> 409 SB_DUPLICATE",
               srv.post("/api/reserve", {"bsn": A, "location": 0, "date": "2022-09-05",
                                         "window": 0}), 409, "SB_DUPLICATE")
    j = expect_ok("people: lookup B -> 200", srv.post("/api/lookup", {"bsn": B}),
                  fields=("booking",))
    if j:
        expect_booking("people: lookup B shows the booking", j["booking"], B, 0, "2022-09-03", 0,
                       "booked")

    # the desk
    if c.codeB:
        j = expect_ok("desk: verify B's code with B -> 200 booking",
                      srv.post("/api/desk/verify", {"code": c.codeB, "bsn": B}, token=t),
                      fields=("booking",))
        if j:
            expect_booking("desk: verify returns B's booking", j["booking"], B, 0, "2022-09-03", 0,
                           "booked")
        expect_err("desk: verify B's code with another valid BSN -> 403 SB_WRONG_HOLDER",
                   srv.post("/api/desk/verify", {"code": c.codeB, "bsn": C}, token=t),
                   403, "SB_WRONG_HOLDER")
        expect_err("desk: verify B's code with A (who has their own) -> 403 SB_WRONG_HOLDER",
                   srv.post("/api/desk/verify", {"code": c.codeB, "bsn": A}, token=t),
                   403, "SB_WRONG_HOLDER")
        expect_err("desk: verify B's code with a BSN failing the 11-check -> 400 SB_INVALID_ID",
                   srv.post("/api/desk/verify", {"code": c.codeB, "bsn": bad_bsn()}, token=t),
                   400, "SB_INVALID_ID")
        expect_err("desk: redeem B's code with another valid BSN -> 403 SB_WRONG_HOLDER",
                   srv.post("/api/desk/redeem", {"code": c.codeB, "bsn": C}, token=t),
                   403, "SB_WRONG_HOLDER")
        expect_ok("desk: B still verifies after the wrong-holder redeem",
                  srv.post("/api/desk/verify", {"code": c.codeB, "bsn": B}, token=t),
                  fields=("booking",))
    expect_err("desk: verify a forged code -> 403 SB_FORGED",
               srv.post("/api/desk/verify", {"code": "ABCD-EFGH-JKMN-PQRS", "bsn": B}, token=t),
               403, "SB_FORGED")
    expect_err("desk: verify a 100-character code -> 403 SB_FORGED",
               srv.post("/api/desk/verify", {"code": "A" * 100, "bsn": B}, token=t),
               403, "SB_FORGED")
    if c.codeB:
        expect_ok("desk: redeem B's code with B -> 200 {ok:true}",
                  srv.post("/api/desk/redeem", {"code": c.codeB, "bsn": B}, token=t), fields=None)
        expect_err("desk: redeem B's code again -> 409 SB_USED",
                   srv.post("/api/desk/redeem", {"code": c.codeB, "bsn": B}, token=t),
                   409, "SB_USED")
        expect_err("desk: verify B's used code -> 409 SB_USED",
                   srv.post("/api/desk/verify", {"code": c.codeB, "bsn": B}, token=t),
                   409, "SB_USED")
    j = expect_ok("people: lookup B after redeem -> 200", srv.post("/api/lookup", {"bsn": B}),
                  fields=("booking",))
    if j:
        expect_booking("people: lookup B shows redeemed", j["booking"], B, 0, "2022-09-03", 0,
                       "redeemed")
    expect_err("people: cancel B (redeemed) -> 409 SB_USED",
               srv.post("/api/cancel", {"bsn": B}), 409, "SB_USED")
    expect_err("people: book B again (redeemed stays the one booking) -> 409 SB_DUPLICATE",
               srv.post("/api/book", {"bsn": B, "location": 0, "date": "2022-09-05", "window": 0}),
               409, "SB_DUPLICATE")
    expect_slot(srv, "availability: booked 1 redeemed 1", 0, "2022-09-03", 2, 0, booked=1,
                redeemed=1)

    # cancel A
    expect_ok("people: cancel A -> 200 {ok:true}", srv.post("/api/cancel", {"bsn": A}),
              fields=None)
    expect_err("people: lookup A after cancel -> 404 SB_NOT_FOUND",
               srv.post("/api/lookup", {"bsn": A}), 404, "SB_NOT_FOUND")
    expect_err("people: cancel A again -> 404 SB_NOT_FOUND",
               srv.post("/api/cancel", {"bsn": A}), 404, "SB_NOT_FOUND")
    if c.codeA:
        expect_err("desk: verify A's cancelled code -> 410 SB_CANCELLED",
                   srv.post("/api/desk/verify", {"code": c.codeA, "bsn": A}, token=t),
                   410, "SB_CANCELLED")
        expect_err("desk: redeem A's cancelled code -> 410 SB_CANCELLED",
                   srv.post("/api/desk/redeem", {"code": c.codeA, "bsn": A}, token=t),
                   410, "SB_CANCELLED")
    expect_slot(srv, "availability: after cancel, free 1", 0, "2022-09-03", 2, 1, booked=0,
                redeemed=1)
    j = expect_ok("people: book C in the freed place -> 200", srv.post("/api/book",
                                                                         dict(slot, bsn=C)),
                  fields=("code", "booking"))
    c.codeC = j["code"] if j else None
    if j:
        expect_booking("people: book C booking", j["booking"], C, 0, "2022-09-03", 0, "booked")
    expect_slot(srv, "availability: full again, booked 1 redeemed 1", 0, "2022-09-03", 2, 0,
                booked=1, redeemed=1)

    # BSN forms: a number, and a string with a leading zero
    E = new_bsn()
    c.E = E
    j = expect_ok("people: book E at location 1 with the BSN as a number -> 200",
                  srv.post("/api/book", {"bsn": int(E), "location": 1, "date": "2022-09-10",
                                         "window": 0}), fields=("code", "booking"))
    c.codeE = j["code"] if j else None
    if j:
        expect_booking("people: E's booking has the BSN as a 9-digit string", j["booking"], E, 1,
                       "2022-09-10", 0, "booked")
    j = expect_ok("people: lookup E by string -> 200", srv.post("/api/lookup", {"bsn": E}),
                  fields=("booking",))
    Z = new_bsn(leading_zero=True)
    c.Z = Z
    j = expect_ok("people: book Z (BSN with a leading zero, as a string) -> 200",
                  srv.post("/api/book", {"bsn": Z, "location": 0, "date": "2022-09-05",
                                         "window": 0}), fields=("code", "booking"))
    c.codeZ = j["code"] if j else None
    if j:
        expect_booking("people: Z's booking keeps the leading zero", j["booking"], Z, 0,
                       "2022-09-05", 0, "booked")
    j = expect_ok("people: lookup Z by number -> 200", srv.post("/api/lookup", {"bsn": int(Z)}),
                  fields=("booking",))
    if j:
        expect_booking("people: lookup Z by number finds the same person", j["booking"], Z, 0,
                       "2022-09-05", 0, "booked")
    if c.codeZ:
        expect_ok("desk: verify Z's code with Z as a number -> 200",
                  srv.post("/api/desk/verify", {"code": c.codeZ, "bsn": int(Z)}, token=t),
                  fields=("booking",))


def test_closed(srv, c):
    t = srv.token
    D = new_bsn()
    expect_err("closed: book at location 2 (never opened) -> 409 SB_CLOSED",
               srv.post("/api/book", {"bsn": D, "location": 2, "date": "2022-09-05", "window": 0}),
               409, "SB_CLOSED")
    expect_ok("admin: close location 1 -> 200 {ok:true}",
              srv.post("/api/admin/close", {"location": 1}, token=t), fields=None)
    expect_ok("admin: close location 1 again (idempotent) -> 200",
              srv.post("/api/admin/close", {"location": 1}, token=t), fields=None)
    F = new_bsn()
    c.F = F
    expect_err("closed: book at closed location 1 -> 409 SB_CLOSED",
               srv.post("/api/book", {"bsn": F, "location": 1, "date": "2022-09-10", "window": 0}),
               409, "SB_CLOSED")
    expect_err("closed: reserve at closed location 1 -> 409 SB_CLOSED",
               srv.post("/api/reserve", {"bsn": F, "location": 1, "date": "2022-09-10",
                                         "window": 0}), 409, "SB_CLOSED")
    j = expect_ok("closed: E's booking at the closed location stays -> lookup 200",
                  srv.post("/api/lookup", {"bsn": c.E}), fields=("booking",))
    if j:
        expect_booking("closed: E still booked", j["booking"], c.E, 1, "2022-09-10", 0, "booked")
    if c.codeE:
        expect_ok("closed: E's code verifies at the desk", srv.post(
            "/api/desk/verify", {"code": c.codeE, "bsn": c.E}, token=t), fields=("booking",))
    expect_slot(srv, "closed: availability at location 1 unchanged (booked 1 free 4)", 1,
                "2022-09-10", 5, 4, booked=1)


def test_stats_after(srv):
    j = expect_ok("stats: after the flow -> 200", stats(srv), fields=("calls", "people",
                                                                      "journal"))
    if j:
        jr = j.get("journal") if isinstance(j.get("journal"), dict) else {}
        R.check("stats: journal records > 0 and flushes > 0 (sync mode)",
                isinstance(jr.get("records"), int) and jr.get("records", 0) > 0
                and isinstance(jr.get("flushes"), int) and jr.get("flushes", 0) > 0,
                "journal=%r" % jr)
        R.check("stats: journal bytes > 0", isinstance(jr.get("bytes"), int) and jr["bytes"] > 0,
                "journal=%r" % jr)
        R.check("stats: people >= 5", isinstance(j.get("people"), int) and j["people"] >= 5,
                "people=%r" % j.get("people"))
        calls = j.get("calls")
        R.check("stats: calls counts something", isinstance(calls, dict) and
                sum(v for v in calls.values() if isinstance(v, int)) > 0, "calls=%r" % calls)


def test_unauthorized(srv, c):
    t = srv.token
    other_same_len = ("x" if t[0] != "x" else "y") + t[1:]
    bodies = {
        ("POST", "/api/desk/verify"): {"code": c.codeC or "ABCD-EFGH-JKMN-PQRS", "bsn": c.C},
        ("POST", "/api/desk/redeem"): {"code": c.codeC or "ABCD-EFGH-JKMN-PQRS", "bsn": c.C},
        ("POST", "/api/admin/release"): {"location": 0, "date": "2022-09-05", "window": 0,
                                         "places": 7},
        ("POST", "/api/admin/open"): {"location": 2},
        ("POST", "/api/admin/close"): {"location": 0},
        ("GET", "/api/admin/stats"): None,
    }
    variants = [
        ("no Authorization", {}),
        ("wrong token of the same length", {"token": other_same_len}),
        ("token one character short", {"token": t[:-1]}),
        ("token one character long", {"token": t + "0"}),
        ("token twice as long", {"token": t + t}),
        ("empty Bearer", {"auth": "Bearer "}),
        ("bare token without scheme", {"auth": t}),
        ("Basic with the token as password",
         {"auth": "Basic " + base64.b64encode(("admin:" + t).encode()).decode()}),
        ("Basic with the token", {"auth": "Basic " + t}),
        ("token in the query string only", {"query": "?token=" + t}),
    ]
    before = snapshot(srv, people=(c.A, c.B, c.C, c.E, c.Z))
    for (method, path), body in bodies.items():
        for vname, v in variants:
            kw = {}
            if "token" in v:
                kw["token"] = v["token"]
            if "auth" in v:
                kw["auth"] = v["auth"]
            p = path + v.get("query", "")
            if method == "POST":
                r = srv.post(p, body, **kw)
            else:
                r = srv.get(p, **kw)
            expect_err("auth: %s %s, %s -> 401 unauthorized" % (method, path, vname), r, 401,
                       "unauthorized", www_auth=True)
    after = snapshot(srv, people=(c.A, c.B, c.C, c.E, c.Z))
    expect_same("auth: state unchanged after the unauthorised batch (availability, journal, "
                "people, lookups)", before, after)
    expect_c_booked(srv, c, "auth: after the redeem without a token")
    expect_err("auth: location 2 still closed after the open without a token",
               srv.post("/api/book", {"bsn": new_bsn(), "location": 2, "date": "2022-09-05",
                                      "window": 0}), 409, "SB_CLOSED")


def test_people_cannot(srv, c):
    t = srv.token
    body = {"code": c.codeC or "ABCD-EFGH-JKMN-PQRS", "bsn": c.C}
    before = snapshot(srv, people=(c.C,))
    for path in ("/api/redeem", "/api/verify", "/api/release", "/api/close", "/api/open",
                 "/api/stats", "/api/desk", "/api/admin", "/api/nope", "/nope", "/api/"):
        expect_err("routes: POST %s -> 404 not_found" % path, srv.post(path, body), 404,
                   "not_found")
    for path in ("/api/redeem", "/api/admin/nope", "/api/desk/nope"):
        expect_err("routes: GET %s -> 404 not_found" % path, srv.get(path), 404, "not_found")
    for path in ("/api/reserve", "/api/confirm", "/api/book", "/api/cancel", "/api/lookup"):
        expect_err("routes: GET %s -> 405 method_not_allowed" % path, srv.get(path), 405,
                   "method_not_allowed")
    expect_err("routes: POST /api/availability -> 405 method_not_allowed",
               srv.post("/api/availability?location=0&from=2022-09-01&to=2022-09-02",
                        {"location": 0}), 405, "method_not_allowed")
    for method, path in (("GET", "/api/desk/verify"), ("GET", "/api/desk/redeem"),
                         ("GET", "/api/admin/release"), ("GET", "/api/admin/close"),
                         ("POST", "/api/admin/stats")):
        r = srv.request(method, path, body if method == "POST" else None, token=t)
        expect_err("routes: %s %s with the token -> 405 method_not_allowed" % (method, path), r,
                   405, "method_not_allowed")
    for method, path in (("PUT", "/api/book"), ("DELETE", "/api/cancel"), ("DELETE", "/api/lookup"),
                         ("PATCH", "/api/reserve"), ("PUT", "/api/availability"),
                         ("DELETE", "/api/availability")):
        r = srv.request(method, path, {"bsn": c.C, "location": 0, "date": "2022-09-05",
                                       "window": 0})
        expect_err("routes: %s %s -> 405 method_not_allowed" % (method, path), r, 405,
                   "method_not_allowed")
    for method, path in (("PUT", "/api/desk/redeem"), ("DELETE", "/api/admin/stats"),
                         ("DELETE", "/api/admin/close")):
        r = srv.request(method, path, body, token=t)
        expect_err("routes: %s %s with the token -> 405 method_not_allowed" % (method, path), r,
                   405, "method_not_allowed")
    after = snapshot(srv, people=(c.C,))
    expect_same("routes: state unchanged after the wrong routes and methods", before, after)
    expect_c_booked(srv, c, "routes: not redeemed by a people's path")


def test_malformed(srv, c):
    t = srv.token
    M = new_bsn()  # a person that must never get anything from this batch
    c.M = M
    target = {"bsn": M, "location": 0, "date": "2022-09-05", "window": 0}  # 2 places free there
    before = snapshot(srv, people=(c.C, c.E, c.Z, M))

    def book(name, body, http_status, names, field=None, path="/api/book", token=None, alts=()):
        expect_err("malformed: %s -> %d %s%s" % (name, http_status, "/".join(
            (names,) if isinstance(names, str) else names), "".join(" or %d %s" % a for a in alts)),
            srv.post(path, body, token=token), http_status, names, field, alts=alts)

    def w(**kw):
        d = dict(target)
        for k, v in kw.items():
            if v is KeyError:
                d.pop(k)
            else:
                d[k] = v
        return d

    EITHER_JSON = ("bad_json", "bad_request")
    # not JSON / not an object
    book("unterminated JSON", b'{"bsn": "%s", "location": 0' % M.encode(), 400, "bad_json")
    book("not JSON at all", b"hello", 400, "bad_json")
    book("trailing comma", json.dumps(target)[:-1].encode() + b",}", 400, "bad_json")
    book("single quotes", json.dumps(target).replace('"', "'").encode(), 400, "bad_json")
    book("empty body", b"", 400, EITHER_JSON)
    for raw in (b"[1, 2]", b'"%s"' % M.encode(), b"42", b"null", b"true",
                b"[%s]" % json.dumps(target).encode()):
        book("JSON that is not an object: %s" % raw[:20].decode(), raw, 400, EITHER_JSON)
    book("JSON followed by garbage", json.dumps(target).encode() + b" garbage", 400, EITHER_JSON)
    book("two JSON objects", json.dumps(target).encode() * 2, 400, EITHER_JSON)
    book("2000-deep nesting", b"[" * 2000 + b"]" * 2000, 400, EITHER_JSON)
    book("invalid UTF-8 in a string", b'{"bsn": "\xff\xfe", "location": 0, "date": "2022-09-05", '
         b'"window": 0}', 400, EITHER_JSON)
    # NUL bytes
    good = json.dumps(target).encode()
    book("valid JSON, a NUL byte, then garbage", good + b"\x00garbage", 400, EITHER_JSON)
    book("valid JSON then a NUL byte", good + b"\x00", 400, EITHER_JSON)
    book("a NUL byte before the JSON", b"\x00" + good, 400, EITHER_JSON)
    book("raw NUL inside the bsn string",
         good.replace(M.encode(), M[:4].encode() + b"\x00" + M[4:].encode()), 400, EITHER_JSON)
    book("escaped \\u0000 inside the bsn string",
         good.replace(M.encode(), M.encode() + b"\\u0000"), 400, EITHER_JSON, "bsn")
    book("escaped \\u0000 inside the date string",
         good.replace(b"2022-09-05", b"2022-09-05\\u0000junk"), 400, EITHER_JSON, "date")
    # wrong types, bsn
    book("bsn as a list", w(bsn=[M]), 400, "bad_request", "bsn")
    book("bsn as an object", w(bsn={"bsn": M}), 400, "bad_request", "bsn")
    book("bsn true", w(bsn=True), 400, "bad_request", "bsn")
    book("bsn null", w(bsn=None), 400, "bad_request", "bsn")
    book("bsn as a float", w(bsn=float(M) + 0.5), 400, "bad_request", "bsn")
    book("bsn with letters", w(bsn=M[:8] + "a"), 400, "bad_request", "bsn")
    book("bsn with 8 digits", w(bsn=M[:8]), 400, "bad_request", "bsn")
    book("bsn with 10 digits", w(bsn=M + "0"), 400, "bad_request", "bsn")
    book("bsn with garbage after it", w(bsn=M + "x"), 400, "bad_request", "bsn")
    book("bsn with a leading space", w(bsn=" " + M), 400, "bad_request", "bsn")
    book("bsn empty string", w(bsn=""), 400, "bad_request", "bsn")
    book("bsn missing", w(bsn=KeyError), 400, "bad_request", "bsn")
    # invalid BSNs (well-formed, failing the 11-check or out of range)
    bad = bad_bsn()
    book("bsn failing the 11-check (string)", w(bsn=bad), 400, "SB_INVALID_ID")
    book("bsn failing the 11-check (number)", w(bsn=int(bad)), 400, "SB_INVALID_ID")
    book("bsn 000000000", w(bsn="000000000"), 400, "SB_INVALID_ID")
    book("bsn number 1234567890 (out of range)", w(bsn=1234567890), 400,
         ("SB_INVALID_ID", "bad_request"), "bsn")
    book("bsn number 2^32 + a valid BSN", w(bsn=2 ** 32 + int(M)), 400,
         ("SB_INVALID_ID", "bad_request"), "bsn")
    book("bsn negative number", w(bsn=-int(M)), 400, ("SB_INVALID_ID", "bad_request"), "bsn")
    for path in ("/api/reserve", "/api/confirm", "/api/cancel", "/api/lookup"):
        body = w(bsn=bad) if path == "/api/reserve" else {"bsn": bad}
        book("%s bsn failing the 11-check" % path, body, 400, "SB_INVALID_ID", path=path)
        book("%s bsn as a list" % path, dict(body, bsn=[M]), 400, "bad_request", "bsn", path=path)
        book("%s bsn missing" % path, {k: v for k, v in body.items() if k != "bsn"}, 400,
             "bad_request", "bsn", path=path)
        book("%s bad JSON" % path, b"{bsn: 1}", 400, "bad_json", path=path)
    # location
    book("location negative", w(location=-1), 400, "bad_request", "location")
    book("location a float", w(location=0.5), 400, "bad_request", "location")
    book("location a string", w(location="0"), 400, "bad_request", "location")
    book("location null", w(location=None), 400, "bad_request", "location")
    book("location a list", w(location=[0]), 400, "bad_request", "location")
    book("location missing", w(location=KeyError), 400, "bad_request", "location")
    book("location 3 (unknown, --locations 3)", w(location=3), 400,
         ("SB_INVALID_ARG", "bad_request"), "location")
    book("location 65536 (wraps to 0 as uint16)", w(location=65536), 400,
         ("SB_INVALID_ARG", "bad_request"), "location")
    book("location 2^32 (wraps to 0 as uint32)", w(location=2 ** 32), 400,
         ("SB_INVALID_ARG", "bad_request"), "location")
    book("location 2^64 (wraps to 0)", b'{"bsn": "%s", "location": 18446744073709551616, '
         b'"date": "2022-09-05", "window": 0}' % M.encode(), 400,
         ("SB_INVALID_ARG", "bad_request", "bad_json"), "location")
    book("location 1e400", b'{"bsn": "%s", "location": 1e400, "date": "2022-09-05", '
         b'"window": 0}' % M.encode(), 400, ("bad_request", "bad_json"), "location")
    # date
    for bad_date in ("2022-13-45", "yesterday", "2022-02-30", "2022-9-5", "05-09-2022",
                     "2022-09-05T00:00", "2022-09-05 ", "2022-09-05x", "", "2022-00-05"):
        book("date %r" % bad_date, w(date=bad_date), 400, "bad_request", "date")
    book("date as a number", w(date=20220905), 400, "bad_request", "date")
    book("date null", w(date=None), 400, "bad_request", "date")
    book("date missing", w(date=KeyError), 400, "bad_request", "date")
    book("date before the horizon (2022-08-31)", w(date="2022-08-31"), 400,
         ("SB_INVALID_ARG", "bad_request"), "date")
    book("date after the horizon (2022-10-01)", w(date="2022-10-01"), 400,
         ("SB_INVALID_ARG", "bad_request"), "date")
    book("date far away (9999-12-31)", w(date="9999-12-31"), 400,
         ("SB_INVALID_ARG", "bad_request"), "date")
    # window
    book("window negative", w(window=-1), 400, "bad_request", "window")
    book("window a string", w(window="0"), 400, "bad_request", "window")
    book("window a float", w(window=0.5), 400, "bad_request", "window")
    book("window missing", w(window=KeyError), 400, "bad_request", "window")
    book("window 65536 (wraps to 0 as uint16)", w(window=65536), 400,
         ("SB_INVALID_ARG", "bad_request"), "window")
    book("reserve with window 65536", w(window=65536), 400, ("SB_INVALID_ARG", "bad_request"),
         "window", path="/api/reserve")
    book("empty object", {}, 400, "bad_request")
    # desk
    if c.codeC:
        book("desk verify, code as a number", {"code": 1234, "bsn": c.C}, 400, "bad_request",
             "code", path="/api/desk/verify", token=t)
        book("desk verify, code missing", {"bsn": c.C}, 400, "bad_request", "code",
             path="/api/desk/verify", token=t)
        book("desk redeem, code as a list", {"code": [c.codeC], "bsn": c.C}, 400, "bad_request",
             "code", path="/api/desk/redeem", token=t)
        book("desk redeem, bsn missing", {"code": c.codeC}, 400, "bad_request", "bsn",
             path="/api/desk/redeem", token=t)
        book("desk redeem, bsn failing the 11-check", {"code": c.codeC, "bsn": bad}, 400,
             "SB_INVALID_ID", path="/api/desk/redeem", token=t)
        book("desk redeem, code with a NUL byte after it",
             b'{"code": "%s\\u0000", "bsn": "%s"}' % (c.codeC.encode(), c.C.encode()), 400,
             EITHER_JSON, "code", path="/api/desk/redeem", token=t, alts=[(403, "SB_FORGED")])
        book("desk redeem, code with a NUL byte in the middle",
             b'{"code": "%s\\u0000%s", "bsn": "%s"}' % (c.codeC[:9].encode(), c.codeC[9:].encode(),
                                                        c.C.encode()), 400,
             EITHER_JSON, "code", path="/api/desk/redeem", token=t, alts=[(403, "SB_FORGED")])
        book("desk redeem, valid JSON + raw NUL + garbage",
             json.dumps({"code": c.codeC, "bsn": c.C}).encode() + b"\x00{", 400, EITHER_JSON,
             path="/api/desk/redeem", token=t)
        book("desk redeem, bad JSON", b"{code", 400, "bad_json", path="/api/desk/redeem", token=t)
    # admin
    rel = {"location": 0, "date": "2022-09-05", "window": 0, "places": 5}

    def r2(**kw):
        d = dict(rel)
        for k, v in kw.items():
            if v is KeyError:
                d.pop(k)
            else:
                d[k] = v
        return d
    for name, body, names, field in (
            ("places negative", r2(places=-1), "bad_request", "places"),
            ("places a string", r2(places="5"), "bad_request", "places"),
            ("places a float", r2(places=1.5), "bad_request", "places"),
            ("places missing", r2(places=KeyError), "bad_request", "places"),
            ("places 2^32 (wraps to 0)", r2(places=2 ** 32), ("SB_INVALID_ARG", "bad_request"),
             "places"),
            ("places 2^32 + 5 (wraps to 5)", r2(places=2 ** 32 + 5),
             ("SB_INVALID_ARG", "bad_request"), "places"),
            ("places 4294967295 (capacity would pass UINT32_MAX)", r2(places=4294967295),
             ("SB_INVALID_ARG", "bad_request"), "places"),
            ("location unknown (3)", r2(location=3), ("SB_INVALID_ARG", "bad_request"),
             "location"),
            ("location negative", r2(location=-1), "bad_request", "location"),
            ("date 2022-13-45", r2(date="2022-13-45"), "bad_request", "date"),
            ("date after the horizon", r2(date="2022-10-01"), ("SB_INVALID_ARG", "bad_request"),
             "date"),
            ("window a string", r2(window="0"), "bad_request", "window"),
            ("not an object", [rel], EITHER_JSON, None)):
        book("admin release, %s" % name, body, 400, names, field, path="/api/admin/release",
             token=t)
    book("admin release, bad JSON", b"{", 400, "bad_json", path="/api/admin/release", token=t)
    for path in ("/api/admin/open", "/api/admin/close"):
        book("%s location 3 (unknown)" % path, {"location": 3}, 400,
             ("SB_INVALID_ARG", "bad_request"), "location", path=path, token=t)
        book("%s location 65536 (wraps to 0)" % path, {"location": 65536}, 400,
             ("SB_INVALID_ARG", "bad_request"), "location", path=path, token=t)
        book("%s location negative" % path, {"location": -1}, 400, "bad_request", "location",
             path=path, token=t)
        book("%s location a string" % path, {"location": "0"}, 400, "bad_request", "location",
             path=path, token=t)
        book("%s location missing" % path, {}, 400, "bad_request", "location", path=path,
             token=t)
        book("%s NUL then garbage" % path, b'{"location": 0}\x00garbage', 400, EITHER_JSON,
             path=path, token=t)
    # availability queries
    for name, q, names in (
            ("location missing", "from=2022-09-01&to=2022-09-02", "bad_request"),
            ("location a word", "location=abc&from=2022-09-01&to=2022-09-02", "bad_request"),
            ("location negative", "location=-1&from=2022-09-01&to=2022-09-02", "bad_request"),
            ("location unknown", "location=3&from=2022-09-01&to=2022-09-02",
             ("SB_INVALID_ARG", "bad_request")),
            ("from 2022-13-45", "location=0&from=2022-13-45&to=2022-09-02", "bad_request"),
            ("to yesterday", "location=0&from=2022-09-01&to=yesterday", "bad_request"),
            ("to before from", "location=0&from=2022-09-05&to=2022-09-01",
             ("bad_request", "SB_INVALID_ARG")),
            ("63 days", "location=0&from=2022-09-01&to=2022-11-02", "bad_request"),
            ("63 days from the horizon's last day", "location=0&from=2022-09-30&to=2022-12-01",
             "bad_request"),
            ("from after the horizon", "location=0&from=2022-10-01&to=2022-10-02",
             "bad_request"),
            ("from before the horizon", "location=0&from=2022-08-31&to=2022-09-02",
             "bad_request"),
            ("a year", "location=0&from=2022-09-01&to=2023-09-01", "bad_request"),
            ("NUL in the query", "location=0%00&from=2022-09-01&to=2022-09-02", "bad_request")):
        expect_err("malformed: availability %s -> 400 %s" % (
            name, "/".join((names,) if isinstance(names, str) else names)),
            srv.get("/api/availability?" + q), 400, names)
    # sizes
    pad_lookup = json.dumps({"bsn": c.C}).encode()
    body4096 = pad_lookup + b" " * (4096 - len(pad_lookup))
    j = expect_ok("malformed: a 4096-byte body (lookup padded with spaces) is accepted -> 200",
                  srv.post("/api/lookup", body4096), fields=("booking",))
    body4097 = pad_lookup + b" " * (4097 - len(pad_lookup))
    book("a 4097-byte body", body4097, 413, "too_large", path="/api/lookup")
    g = json.dumps(target).encode()
    book("a 5000-byte body (valid book padded)", g + b" " * (5000 - len(g)), 413, "too_large")
    book("a 100 KB body (valid book padded)", g + b" " * (100 * 1024 - len(g)), 413, "too_large")
    book("a 100 KB JSON string", json.dumps(w(bsn="1" * 100000)).encode(), 413, "too_large")
    expect_err("malformed: a 10 KB chunked body -> 413 too_large",
               srv.request("POST", "/api/book", g + b" " * (10 * 1024 - len(g)), chunked=True),
               413, "too_large")
    if c.codeC:
        cb = json.dumps({"code": c.codeC, "bsn": c.C}).encode()
        book("desk redeem with a 5000-byte body", cb + b" " * (5000 - len(cb)), 413, "too_large",
             path="/api/desk/redeem", token=t)
    rb = json.dumps(rel).encode()
    book("admin release with a 100 KB body", rb + b" " * (100 * 1024 - len(rb)), 413,
         "too_large", path="/api/admin/release", token=t)

    r = avail(srv, 0, "2022-09-01")
    R.check("malformed: the server still answers after the batch", r.status == 200,
            "got %r; alive=%s; stderr: %s" % (r, srv.alive(), srv.stderr_tail()[-500:]))
    after = snapshot(srv, people=(c.C, c.E, c.Z, M))
    expect_same("malformed: availability, journal, people and lookups unchanged by the batch",
                before, after)
    expect_err("malformed: M never got anything -> lookup 404 SB_NOT_FOUND",
               srv.post("/api/lookup", {"bsn": M}), 404, "SB_NOT_FOUND")
    expect_c_booked(srv, c, "malformed: after the batch")
    expect_slot(srv, "malformed: location 0 2022-09-05 still capacity 3, booked 1 (Z)", 0,
                "2022-09-05", 3, 2, booked=1)
    # and a sound request still works afterwards
    j = expect_ok("malformed: a valid book after the batch -> 200",
                  srv.post("/api/book", target), fields=("code", "booking"))
    c.codeM = j["code"] if j else None
    if j:
        expect_booking("malformed: M's booking", j["booking"], M, 0, "2022-09-05", 0, "booked")


def test_restart(srv, c, data):
    t = srv.token
    pre = snapshot(srv, people=(c.A, c.B, c.C, c.E, c.Z, c.M))
    rc = srv.stop()
    R.check("restart: SIGTERM -> exit 0", rc == 0, "exit %r; stderr: %s" % (rc, srv.stderr_tail()))
    if not test_start(srv, data):
        return
    post = snapshot(srv, people=(c.A, c.B, c.C, c.E, c.Z, c.M))
    for k in sorted(pre):
        if k == "stats":
            continue
        R.check("restart: %s the same after the restart" % k, pre[k] == post.get(k),
                "before %s, after %s" % (str(pre[k])[:300], str(post.get(k))[:300]))
    j = expect_ok("restart: lookup C -> 200", srv.post("/api/lookup", {"bsn": c.C}),
                  fields=("booking",))
    if j:
        expect_booking("restart: C's booking is back", j["booking"], c.C, 0, "2022-09-03", 0,
                       "booked")
    expect_c_booked(srv, c, "restart")
    if c.codeC:
        expect_err("restart: C's code with another BSN -> 403 SB_WRONG_HOLDER",
                   srv.post("/api/desk/verify", {"code": c.codeC, "bsn": c.E}, token=t),
                   403, "SB_WRONG_HOLDER")
    if c.codeB:
        expect_err("restart: B's redeemed code -> 409 SB_USED",
                   srv.post("/api/desk/verify", {"code": c.codeB, "bsn": c.B}, token=t),
                   409, "SB_USED")
    if c.codeA:
        expect_err("restart: A's cancelled code -> 410 SB_CANCELLED",
                   srv.post("/api/desk/verify", {"code": c.codeA, "bsn": c.A}, token=t),
                   410, "SB_CANCELLED")
    expect_err("restart: A (cancelled) -> lookup 404 SB_NOT_FOUND",
               srv.post("/api/lookup", {"bsn": c.A}), 404, "SB_NOT_FOUND")
    if c.codeE:
        expect_ok("restart: E's code verifies", srv.post(
            "/api/desk/verify", {"code": c.codeE, "bsn": c.E}, token=t), fields=("booking",))
    expect_err("restart: location 1 still closed -> 409 SB_CLOSED",
               srv.post("/api/book", {"bsn": new_bsn(), "location": 1, "date": "2022-09-10",
                                      "window": 0}), 409, "SB_CLOSED")
    expect_err("restart: location 2 still closed -> 409 SB_CLOSED",
               srv.post("/api/book", {"bsn": new_bsn(), "location": 2, "date": "2022-09-05",
                                      "window": 0}), 409, "SB_CLOSED")
    expect_err("restart: location 0 open, 09-03 still full -> 409 SB_FULL",
               srv.post("/api/book", {"bsn": new_bsn(), "location": 0, "date": "2022-09-03",
                                      "window": 0}), 409, "SB_FULL")
    expect_err("restart: C cannot book twice -> 409 SB_DUPLICATE",
               srv.post("/api/book", {"bsn": c.C, "location": 0, "date": "2022-09-05",
                                      "window": 0}), 409, "SB_DUPLICATE")
    if c.codeC:
        expect_ok("restart: redeem C after the restart -> 200",
                  srv.post("/api/desk/redeem", {"code": c.codeC, "bsn": c.C}, token=t),
                  fields=None)
        expect_err("restart: redeem C again -> 409 SB_USED",
                   srv.post("/api/desk/redeem", {"code": c.codeC, "bsn": c.C}, token=t),
                   409, "SB_USED")
    expect_ok("restart: stats -> 200", stats(srv), fields=("calls", "people", "journal"))

    # Sync mode: what was acknowledged survives a crash (SIGKILL, no flush
    # at exit).
    P = new_bsn()
    j = expect_ok("crash: book P -> 200", srv.post("/api/book", {"bsn": P, "location": 0,
                                                                 "date": "2022-09-05",
                                                                 "window": 0}),
                  fields=("code", "booking"))
    codeP = j["code"] if j else None
    pre = snapshot(srv, people=(c.A, c.B, c.C, c.E, c.Z, c.M, P))
    srv.kill()
    if not test_start(srv, data):
        return
    post = snapshot(srv, people=(c.A, c.B, c.C, c.E, c.Z, c.M, P))
    diffs = [k for k in pre if k != "stats" and pre[k] != post.get(k)]
    R.check("crash: availability and every lookup the same after SIGKILL and restart", not diffs,
            "; ".join("%s: before %s, after %s" % (k, str(pre[k])[:200], str(post.get(k))[:200])
                      for k in diffs))
    j = expect_ok("crash: lookup P after SIGKILL -> 200", srv.post("/api/lookup", {"bsn": P}),
                  fields=("booking",))
    if j:
        expect_booking("crash: P's booking survived", j["booking"], P, 0, "2022-09-05", 0,
                       "booked")
    if codeP:
        expect_ok("crash: P's code verifies after SIGKILL", srv.post(
            "/api/desk/verify", {"code": codeP, "bsn": P}, token=t), fields=("booking",))
    if c.codeC:
        expect_err("crash: C's redeem survived -> 409 SB_USED",
                   srv.post("/api/desk/verify", {"code": c.codeC, "bsn": c.C}, token=t),
                   409, "SB_USED")
    rc = srv.stop()
    R.check("stop: SIGTERM -> exit 0", rc == 0, "exit %r; stderr: %s" % (rc, srv.stderr_tail()))


def main(argv):
    if len(argv) != 2:
        print("usage: %s PATH-TO-slotbook-server" % argv[0], file=sys.stderr)
        return 2
    binary = os.path.abspath(argv[1])
    t0 = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="slotbook-api-test-")
    data = os.path.join(workdir, "data")  # not created: the server makes it
    token = secrets.token_hex(16)
    srv = Server(binary, data, token, workdir)
    c = Ctx()
    for name in ("codeA", "codeB", "codeC", "codeE", "codeZ", "codeM"):
        setattr(c, name, None)
    try:
        if not os.access(binary, os.X_OK):
            R.check("start: %s is an executable" % binary, False, "not found or not executable")
        elif test_start(srv, data):
            test_pages(srv)
            test_admin_setup(srv, c)
            test_data_dir(srv, data)
            test_availability(srv)
            test_people(srv, c)
            test_closed(srv, c)
            test_stats_after(srv)
            test_unauthorized(srv, c)
            test_people_cannot(srv, c)
            test_malformed(srv, c)
            test_restart(srv, c, data)
    except Exception as exc:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        R.check("test script ran to the end", False, "%s: %s" % (type(exc).__name__, exc))
    finally:
        if srv.proc is not None:
            srv.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    check_extra_keys()
    elapsed = time.monotonic() - t0
    R.check("total run under 30 s", elapsed < 30, "took %.1f s" % elapsed)
    print("%d passed, %d failed" % (R.passed, R.failed), flush=True)
    return 0 if R.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
