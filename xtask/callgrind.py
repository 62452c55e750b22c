#!/usr/bin/env python3
"""Instructions per client_credentials token, counted by valgrind's callgrind: repeatable on a
shared machine where wall-clock benchmarks swing by a third from one run to the next.

    python3 xtask/callgrind.py target/release/portcullis [N]

Starts the binary under `valgrind --tool=callgrind` on a fresh SQLite file (one HTTP worker,
logs at `warn`, limits off), sends nothing, then N (default 1000) client_credentials requests over
one keep-alive connection, and prints the instructions of both runs and their difference per
request. Needs valgrind (Debian: valgrind).
"""
import base64
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

PORT = 39111


def instructions(binary, n):
    d = tempfile.mkdtemp(prefix="portcullis-callgrind-")
    env = dict(
        os.environ,
        PORTCULLIS_DATABASE__URL=f"{d}/portcullis.db",
        PORTCULLIS_LOG__LEVEL="warn",
        PORTCULLIS_THROTTLE__ENABLED="false",
        PORTCULLIS_RATE_LIMIT__ENABLED="false",
        PORTCULLIS_HTTP__ADDRESS=f"127.0.0.1:{PORT}",
        PORTCULLIS_HTTP__WORKERS="1",
        PORTCULLIS_KEYS__CHECK_INTERVAL_SECONDS="3600",
        PORTCULLIS_ARGON2__MEMORY_KIB="256",
        PORTCULLIS_ARGON2__ITERATIONS="1",
    )
    env.pop("RUST_LOG", None)
    for command in (["migrate"], ["bootstrap"]):
        subprocess.run([binary, *command], env=env, check=True, capture_output=True)
    created = subprocess.run([binary, "client", "create", "--name", "callgrind"], env=env,
                             check=True, capture_output=True).stdout
    client = json.loads(created)
    auth = base64.b64encode(f"{client['id']}:{client['secret']}".encode()).decode()
    out = f"{d}/callgrind.out"
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "serve"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            probe = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            probe.request("GET", "/health/ready")
            if probe.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.2)
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {"Authorization": "Basic " + auth,
               "Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(n):
        conn.request("POST", "/token", "grant_type=client_credentials", headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
    time.sleep(1.5)  # the audit writer flushes
    server.terminate()
    server.wait()
    text = open(out).read()
    return int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))


binary = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
idle, loaded = instructions(binary, 0), instructions(binary, n)
print(f"{binary}: {idle} instructions idle, {loaded} with {n} tokens: "
      f"{(loaded - idle) / n:,.0f} instructions per token")
