#!/usr/bin/env python3
"""kafka_ops_log_json: runs `kafka_ops_test log_json_child` (a consumer with
topicgen.log.format=json and the default logger, on a mock cluster, that
dead-letters one record whose key holds quotes, a backslash, control
characters, a line break, DEL and invalid UTF-8, quoting the key in its
reason) and parses every line it wrote to stderr with Python's json module.

Checks: every line is one JSON object with event, level, timestamp (RFC 3339,
UTC, with a fraction) and logger; the dead-letter line's reason reads back as
the key, with each byte that is not valid UTF-8 replaced by U+FFFD; stderr is
valid UTF-8 throughout.  Prints "N passed, N failed"."""
import json
import re
import subprocess
import sys

HOSTILE_KEY = b'q"b\\c\x01\x1f\n\t\x7f|\x80|\xe2\x82|\xff|\xc3\xa9'
# topicgen's rule (docs/runtime.md, "JSON logs"): each byte that is not part
# of a valid UTF-8 sequence becomes one U+FFFD.
EXPECTED_KEY = 'q"b\\c\x01\x1f\n\t\x7f|\ufffd|\ufffd\ufffd|\ufffd|\u00e9'
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def main():
    exe = sys.argv[1]
    run = subprocess.run([exe, "log_json_child"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=100)
    check(run.returncode == 0, f"child exit {run.returncode}")
    raw = run.stderr
    try:
        text = raw.decode("utf-8")  # strict: the log must be valid UTF-8
        check(True, "")
    except UnicodeDecodeError as e:
        check(False, f"stderr is not valid UTF-8: {e}")
        text = raw.decode("utf-8", "replace")
    lines = [ln for ln in text.split("\n") if ln]
    check(len(lines) >= 3, f"only {len(lines)} lines")
    events = []
    for ln in lines:
        try:
            obj = json.loads(ln)
        except ValueError as e:
            check(False, f"not JSON: {ln!r}: {e}")
            continue
        ok = (isinstance(obj, dict) and all(isinstance(obj.get(k), str) for k in
              ("event", "level", "timestamp", "logger"))
              and obj["level"] in ("debug", "info", "warning", "error")
              and TIMESTAMP.match(obj["timestamp"]) is not None
              and obj["logger"].startswith("topicgen."))
        check(ok, f"keys or values wrong: {ln!r}")
        events.append(obj)
    dead = [e for e in events if e.get("event") == "dead-lettered"]
    check(len(dead) == 1, f"{len(dead)} dead-lettered lines")
    if dead:
        reason = dead[0].get("reason")
        check(reason == "key=" + EXPECTED_KEY,
              f"reason {reason!r} != {'key=' + EXPECTED_KEY!r}")
        check(dead[0]["level"] == "warning" and dead[0]["logger"] == "topicgen.consumer",
              f"level/logger {dead[0]['level']} {dead[0]['logger']}")
    print(f"log_json: {len(lines)} lines parsed, {len(dead)} dead-letter line(s); "
          f"reason read back {dead[0].get('reason')!r}" if dead else "")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
