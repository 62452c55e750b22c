#!/usr/bin/env python3
"""Checks the deployment files against what the server reads (run by `cargo xtask deploy`).

- docker-compose.yml parses as YAML; the portcullis service builds from deploy/Dockerfile, waits
  for a healthy PostgreSQL, probes itself with `portcullis healthcheck`, and sets only
  environment variables the server knows (those docs/operations.md lists, a list a Rust test
  checks against the configuration struct), with a PostgreSQL URL pointing at the compose service.
- deploy/Dockerfile runs as a non-root user, has a HEALTHCHECK and a data volume.
- deploy/systemd/portcullis.service has the hardening options.
"""
import re
import sys
from pathlib import Path

import yaml

root = Path(__file__).resolve().parent.parent
errors = []


def need(condition, message):
    if not condition:
        errors.append(message)


known = set(re.findall(r"`(PORTCULLIS_[A-Z0-9_]+)`", (root / "docs/operations.md").read_text()))
need(len(known) > 30, "docs/operations.md lists too few variables")

compose = yaml.safe_load((root / "docker-compose.yml").read_text())
services = compose.get("services", {})
need({"portcullis", "postgres"} <= set(services), "compose needs services portcullis and postgres")
app = services.get("portcullis", {})
need(app.get("build", {}).get("dockerfile") == "deploy/Dockerfile", "portcullis builds from deploy/Dockerfile")
need(app.get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy",
     "portcullis waits for a healthy postgres")
need(app.get("healthcheck", {}).get("test") == ["CMD", "portcullis", "healthcheck"],
     "portcullis probes itself with `portcullis healthcheck`")
env = app.get("environment", {})
for name in env:
    need(name in known, f"compose sets {name}, which the server does not read")
url = str(env.get("PORTCULLIS_DATABASE__URL", ""))
need(url.startswith("postgres://") and "@postgres:5432/" in url, "database URL must point at the postgres service")
need(str(env.get("PORTCULLIS_HTTP__ADDRESS", "")).startswith("0.0.0.0:"), "listen on all interfaces in a container")
need("healthcheck" in services.get("postgres", {}), "postgres needs a healthcheck")
need(compose.get("volumes"), "a named volume keeps the database")

dockerfile = (root / "deploy/Dockerfile").read_text()
need(re.search(r"^USER (?!root)\S+", dockerfile, re.M), "the image runs as a non-root user")
need("HEALTHCHECK" in dockerfile and "portcullis\", \"healthcheck" in dockerfile, "the image has a HEALTHCHECK")
need("VOLUME" in dockerfile, "the image declares a data volume")
for name in re.findall(r"(PORTCULLIS_[A-Z0-9_]+)=", dockerfile):
    need(name in known, f"the Dockerfile sets {name}, which the server does not read")

unit = (root / "deploy/systemd/portcullis.service").read_text()
for option in ["DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "KillSignal=SIGTERM"]:
    need(option in unit, f"the systemd unit lacks {option}")
for name in re.findall(r"Environment=(PORTCULLIS_[A-Z0-9_]+)=", unit):
    need(name in known, f"the systemd unit sets {name}, which the server does not read")

if errors:
    print("deploy check failed:\n  " + "\n  ".join(errors))
    sys.exit(1)
print(f"deploy files OK ({len(env)} compose variables checked)")
