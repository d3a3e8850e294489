#!/usr/bin/env bash
# Install the operability validators used by tests/ops, idempotently:
# - kustomize, pinned, as a Go module into <repo>/.cache/bin;
# - promtool and amtool from Debian's `prometheus` and `prometheus-alertmanager` packages;
# - Debian's `chromium`, which the console's browser tests drive through Playwright
#   (executable_path=/usr/bin/chromium; Playwright never downloads a browser).
# Safe to run repeatedly: each tool is installed only when missing (or at another version).
set -euo pipefail

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN_DIR="${REPO_ROOT}/.cache/bin"
mkdir -p "${BIN_DIR}"

install_kustomize() {
    local current=""
    if [[ -x "${BIN_DIR}/kustomize" ]]; then
        current="$("${BIN_DIR}/kustomize" version 2>/dev/null || true)"
    fi
    if [[ "${current}" == "${KUSTOMIZE_VERSION}" ]]; then
        echo "kustomize ${KUSTOMIZE_VERSION} already installed"
        return
    fi
    if ! command -v go >/dev/null 2>&1; then
        echo "install_tools: 'go' is required to install kustomize" >&2
        exit 1
    fi
    echo "installing kustomize ${KUSTOMIZE_VERSION} into ${BIN_DIR}"
    GOBIN="${BIN_DIR}" go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"
}

install_chromium() {
    if command -v chromium >/dev/null 2>&1; then
        echo "chromium already installed: $(chromium --version 2>/dev/null | head -n 1)"
        return
    fi
    local sudo=""
    if [[ "$(id -u)" != "0" ]]; then
        sudo="sudo"
    fi
    echo "installing chromium (Debian package) for the console's browser tests"
    ${sudo} apt-get update
    ${sudo} env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
}

install_prometheus_tools() {
    if command -v promtool >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1; then
        echo "promtool already installed: $(promtool --version 2>&1 | head -n 1)"
        echo "amtool already installed: $(amtool --version 2>&1 | head -n 1)"
        return
    fi
    local sudo=""
    if [[ "$(id -u)" != "0" ]]; then
        sudo="sudo"
    fi
    echo "installing promtool and amtool (Debian packages prometheus, prometheus-alertmanager)"
    ${sudo} apt-get update
    ${sudo} env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        prometheus prometheus-alertmanager
    # Only the command-line tools are wanted: on a systemd host the packages also enable and
    # start the servers, which would hold ports 9090/9093. Stop what this script installed.
    if [[ -d /run/systemd/system ]]; then
        ${sudo} systemctl disable --now prometheus prometheus-alertmanager 2>/dev/null || true
    fi
}

install_kustomize
install_prometheus_tools
install_chromium
