#!/usr/bin/env python3
"""Checks the deployment files against what the server reads (run by `cargo xtask deploy`).

- docker-compose.yml parses as YAML; the portcullis service builds from deploy/Dockerfile, waits
  for a healthy PostgreSQL, probes itself with `portcullis healthcheck`, and sets only
  environment variables the server knows (those docs/operations.md lists, a list a Rust test
  checks against the configuration struct), with a PostgreSQL URL pointing at the compose service.
- deploy/Dockerfile runs as a non-root user, has a HEALTHCHECK and a data volume, passes hadolint
  (deploy/hadolint.yaml), and builds with a Rust at least the workspace's rust-version, itself at
  least every locked dependency's.
- deploy/systemd/portcullis.service has the hardening options.
- deploy/helm/portcullis passes `helm lint` and renders (Helm's Go SDK, through helm-python-sdk
  from PyPI): required values enforced, two replicas, probes, a migrating init container, non-root
  pods, secret keys that exist, a portcullis.toml with only documented keys, optional Ingress (only
  with trustedProxies) and
  HorizontalPodAutoscaler, a PodDisruptionBudget.
"""
import json
import re
import subprocess
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
need(":?" in str(env.get("PORTCULLIS_BOOTSTRAP__ADMIN_PASSWORD", "")),
     "compose must require a real admin password (${VAR:?...}), never default one")
need("healthcheck" in services.get("postgres", {}), "postgres needs a healthcheck")
need(compose.get("volumes"), "a named volume keeps the database")

dockerfile = (root / "deploy/Dockerfile").read_text()
need(re.search(r"^USER (?!root)\S+", dockerfile, re.M), "the image runs as a non-root user")
need("HEALTHCHECK" in dockerfile and "portcullis\", \"healthcheck" in dockerfile, "the image has a HEALTHCHECK")
need("VOLUME" in dockerfile, "the image declares a data volume")
for name in re.findall(r"(PORTCULLIS_[A-Z0-9_]+)=", dockerfile):
    need(name in known, f"the Dockerfile sets {name}, which the server does not read")

def version(text):
    return tuple(int(part) for part in text.split("."))[:2]


# The builder image's Rust is at least the workspace's rust-version, which is at least every
# locked dependency's (a stale MSRV would make `docker build` fail on `--locked`).
msrv = re.search(r'^rust-version = "([0-9.]+)"', (root / "Cargo.toml").read_text(), re.M).group(1)
builder = re.search(r"^FROM rust:([0-9.]+)", dockerfile, re.M)
need(builder and version(builder.group(1)) >= version(msrv), f"the builder image's Rust is older than {msrv}")
metadata = json.loads(subprocess.run(
    ["cargo", "metadata", "--locked", "--format-version", "1"], cwd=root, check=True,
    capture_output=True, text=True).stdout)
for package in metadata["packages"]:
    needed = package.get("rust_version")
    need(not needed or version(needed) <= version(msrv),
         f"{package['name']} {package['version']} needs Rust {needed}, above rust-version {msrv}")
lint = subprocess.run([str(Path(sys.executable).with_name("hadolint")), "--config",
                       str(root / "deploy/hadolint.yaml"), "--no-color", str(root / "deploy/Dockerfile")],
                      capture_output=True, text=True)
need(lint.returncode == 0, f"hadolint: {lint.stdout.strip()} {lint.stderr.strip()}")

unit = (root / "deploy/systemd/portcullis.service").read_text()
for option in ["DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "KillSignal=SIGTERM"]:
    need(option in unit, f"the systemd unit lacks {option}")
for name in re.findall(r"Environment=(PORTCULLIS_[A-Z0-9_]+)=", unit):
    need(name in known, f"the systemd unit sets {name}, which the server does not read")


def check_helm_chart():
    """Renders deploy/helm/portcullis with Helm's own Go SDK (helm-python-sdk) and checks it."""
    import tomllib

    import helm_python as helm

    chart_dir = str(root / "deploy/helm/portcullis")
    # Helm logs "missing required values" warnings here and below: the defaults lack the three
    # required secrets on purpose (refusing to render without them is checked).
    lint = helm.lint(chart_dir)
    need(not lint["errors"], f"helm lint: {lint['errors']}")
    need(not [m for m in lint["messages"] if m["severity"] > 1], f"helm lint: {lint['messages']}")
    documented = set(re.findall(r"^\| `([a-z_.0-9]+)` \|", (root / "docs/operations.md").read_text(), re.M))
    required = {
        "database": {"url": "postgres://portcullis:pw@db:5432/portcullis"},
        "bootstrap": {"adminPassword": "a-long-admin-password"},
        "keys": {"encryptionKey": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
    }

    def render(values):
        with helm.Chart.load(chart_dir) as chart:
            out = chart.render(values, name="auth", namespace="idp")
        docs = {}
        for path, text in out.items():
            if path.endswith(".yaml"):
                for doc in yaml.safe_load_all(text):
                    if doc:
                        docs[doc["kind"]] = doc
        return docs

    try:
        render({})
        need(False, "the chart renders without a database URL, admin password and encryption key")
    except Exception as e:  # noqa: BLE001 (the SDK raises its own error types)
        need("required" in str(e), f"a missing required value gives an unclear error: {e}")

    docs = render(required)
    need({"Deployment", "Service", "ConfigMap", "Secret", "PodDisruptionBudget"} <= set(docs),
         f"the chart renders {sorted(docs)}")
    need(not {"Ingress", "HorizontalPodAutoscaler"} & set(docs), "ingress and autoscaling are off by default")
    deployment = docs["Deployment"]["spec"]
    need(deployment.get("replicas", 0) >= 2, "at least two replicas by default")
    pod = deployment["template"]["spec"]
    need(pod["securityContext"].get("runAsNonRoot") is True, "pods run as non-root")
    [server] = pod["containers"]
    [migrate] = pod["initContainers"]
    need(migrate["args"][-1] == "migrate", "an init container runs `portcullis migrate`")
    need(server["args"][-1] == "serve", "the container runs `portcullis serve`")
    need(server["readinessProbe"]["httpGet"]["path"] == "/health/ready", "readiness probes /health/ready")
    need(server["livenessProbe"]["httpGet"]["path"] == "/health/live", "liveness probes /health/live")
    need(pod["terminationGracePeriodSeconds"] > 30, "the grace period outlasts http.shutdown_timeout")
    secret = docs["Secret"]
    for container in (server, migrate):
        for var in container["env"]:
            need(var["name"] in known, f"the chart sets {var['name']}, which the server does not read")
            ref = var.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                need(ref["key"] in secret["stringData"], f"the chart reads a missing secret key {ref['key']}")
    for item in next(v for v in pod["volumes"] if v["name"] == "secrets")["secret"]["items"]:
        need(item["key"] in secret["stringData"], f"the chart mounts a missing secret key {item['key']}")
    toml = tomllib.loads(docs["ConfigMap"]["data"]["portcullis.toml"])

    def keys(table, prefix=""):
        for name, value in table.items():
            if isinstance(value, dict):
                yield from keys(value, f"{prefix}{name}.")
            else:
                yield f"{prefix}{name}"

    for key in keys(toml):
        need(key in documented, f"the chart's portcullis.toml sets {key}, which the server does not read")
    need(docs["PodDisruptionBudget"]["spec"]["selector"] == deployment["selector"], "the PDB selects the pods")

    try:
        render({**required, "ingress": {"enabled": True}})
        need(False, "the chart renders an ingress without trustedProxies")
    except Exception as e:  # noqa: BLE001 (the SDK raises its own error types)
        need("trustedProxies" in str(e), f"an ingress without trustedProxies gives an unclear error: {e}")

    docs = render({**required, "existingSecret": "mine", "ingress": {"enabled": True},
                   "trustedProxies": ["10.0.0.0/8"], "autoscaling": {"enabled": True}})
    need("Secret" not in docs, "with existingSecret the chart makes no Secret")
    need({"Ingress", "HorizontalPodAutoscaler"} <= set(docs), "ingress and autoscaling can be turned on")
    need("replicas" not in docs["Deployment"]["spec"], "the autoscaler owns the replica count")
    need(docs["HorizontalPodAutoscaler"]["spec"]["minReplicas"] >= 2, "the autoscaler keeps two pods")
    return len(documented)


check_helm_chart()

if errors:
    print("deploy check failed:\n  " + "\n  ".join(errors))
    sys.exit(1)
print(f"deploy files OK ({len(env)} compose variables checked; Helm chart rendered and checked)")
