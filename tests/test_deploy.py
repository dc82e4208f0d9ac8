"""deploy/: the Kubernetes manifests, the compose file and the nginx configuration agree with each other
and name what a class needs (health probes, cookie affinity, websocket timeouts, one cookie secret,
resources, autoscaling). No validator installs offline, so the manifests are parsed and their fields
checked against the Kubernetes API shapes they use; nginx checks its own configuration where installed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from benchmarks.classroom import NGINX, Balancer

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
HEALTH = "/_stcore/health"  # Streamlit's health endpoint
SECRET = "STREAMLIT_SERVER_COOKIE_SECRET"  # server.cookieSecret: the same on every replica
KINDS = {"Deployment": "apps/v1", "Service": "v1", "Ingress": "networking.k8s.io/v1",
         "HorizontalPodAutoscaler": "autoscaling/v2"}


@pytest.fixture(scope="module")
def manifests() -> dict:
    docs = [doc for path in sorted((DEPLOY / "k8s").glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text())]
    by_kind = {doc["kind"]: doc for doc in docs if doc}
    assert sorted(by_kind) == sorted(KINDS) and len(docs) == len(KINDS)
    return by_kind


def test_every_manifest_has_the_api_version_of_its_kind_and_a_name(manifests):
    for kind, doc in manifests.items():
        assert doc["apiVersion"] == KINDS[kind], kind
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", doc["metadata"]["name"]), kind


def test_the_deployment_probes_health_bounds_resources_and_shares_the_cookie_secret(manifests):
    spec = manifests["Deployment"]["spec"]
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    (container,) = spec["template"]["spec"]["containers"]
    port_names = {port["name"] for port in container["ports"]}
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == HEALTH and container[probe]["httpGet"]["port"] in port_names
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][bound])
    env = {item["name"]: item for item in container["env"]}
    assert env[SECRET]["valueFrom"]["secretKeyRef"]["key"]
    assert int(env["TOOLKIT_TRAINING_SLOTS"]["value"]) <= int(container["resources"]["limits"]["cpu"])


def test_the_service_and_ingress_reach_the_pods_with_cookie_affinity_and_lesson_long_websockets(manifests):
    pods = manifests["Deployment"]["spec"]["template"]["metadata"]["labels"]
    service = manifests["Service"]
    assert service["spec"]["selector"].items() <= pods.items()
    ingress = manifests["Ingress"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(notes[f"nginx.ingress.kubernetes.io/{timeout}"]) >= 3600


def test_the_autoscaler_scales_the_deployment_on_cpu(manifests):
    spec = manifests["HorizontalPodAutoscaler"]["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                      "name": manifests["Deployment"]["metadata"]["name"]}
    assert 1 <= spec["minReplicas"] <= spec["maxReplicas"]
    (metric,) = spec["metrics"]
    assert metric["resource"]["name"] == "cpu" and 0 < metric["resource"]["target"]["averageUtilization"] <= 100


def test_compose_puts_every_replica_behind_nginx_with_one_secret_and_a_health_check():
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    services = compose["services"]
    apps = sorted(name for name in services if name.startswith("app-"))
    assert len(apps) >= 2
    nginx = services["nginx"]
    assert sorted(nginx["depends_on"]) == apps and "./nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert {str(services[app]["environment"][SECRET]) for app in apps} == {"${STREAMLIT_COOKIE_SECRET:?set STREAMLIT_COOKIE_SECRET}"}
    assert all(HEALTH in " ".join(services[app]["healthcheck"]["test"]) for app in apps)
    upstream = re.findall(r"server (app-\d+):8501;", (DEPLOY / "nginx.conf").read_text())
    assert upstream == apps  # nginx forwards to exactly the replicas compose starts


def test_nginx_keeps_a_browser_on_one_replica_and_upgrades_the_websocket():
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "hash $route consistent;" in conf and 'Set-Cookie "route=$route' in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf and "proxy_set_header Connection $connection_upgrade;" in conf
    assert int(re.search(r"proxy_read_timeout (\d+)s;", conf)[1]) >= 3600


@pytest.mark.skipif(not Path(NGINX).exists(), reason=f"{NGINX} is not installed (apt-get install nginx)")
def test_nginx_accepts_the_configuration_the_harness_runs(tmp_path):
    balancer = Balancer([8501, 8502])
    balancer.folder = tmp_path  # its pid file and temporary files
    conf = tmp_path / "nginx.conf"
    conf.write_text(balancer.config())
    checked = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
