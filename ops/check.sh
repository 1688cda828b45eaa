#!/usr/bin/env bash
# Static checks of the operations kit: alert rules and their unit tests, the Prometheus config,
# the compose file and both kustomize renders. Needs promtool, docker-compose (or docker compose)
# and kubectl on PATH; installs nothing. Runs every check and exits non-zero if any failed.
set -uo pipefail

cd "$(dirname "$0")/.."

failed=()

check() {
  echo "==> $*"
  if ! "$@"; then
    failed+=("$*")
  fi
}

compose_config() {
  if command -v docker-compose >/dev/null 2>&1; then
    docker-compose -f docker-compose.yml config -q
  else
    docker compose -f docker-compose.yml config -q
  fi
}

render() {
  kubectl kustomize "$1" >/dev/null
}

check promtool check rules ops/prometheus/alerts.yml
check promtool test rules ops/prometheus/alerts.test.yml
check promtool check config ops/prometheus/prometheus.yml
check compose_config
check render deploy/k8s/base
check render deploy/k8s/overlays/example

if ((${#failed[@]} > 0)); then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo 'all operations checks passed'
