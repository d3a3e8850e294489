#!/usr/bin/env bash
# Install the operability validators used by tests/ops, idempotently:
# - kustomize and kubeconform, pinned, as Go modules into <repo>/.cache/bin;
# - grafana-strict (tools/grafana-strict: grafana-foundation-sdk's strict dashboard decoder,
#   pinned by its go.mod/go.sum) built into <repo>/.cache/bin;
# - @asyncapi/parser, pinned by tools/asyncapi/package-lock.json, with `npm ci`;
# - promtool and amtool from Debian's `prometheus` and `prometheus-alertmanager` packages;
# - the service report's CJK font (Debian `fonts-noto-cjk`) and pdftotext (`poppler-utils`).
# Safe to run repeatedly: each tool is installed only when missing (or at another version).
# With arguments, only the named parts run, e.g. `install_tools.sh report-fonts` (make run).
set -euo pipefail

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.7.0}"
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

install_kubeconform() {
    local current=""
    if [[ -x "${BIN_DIR}/kubeconform" ]]; then
        # `go install` builds say "development" to -v: read the module version instead.
        current="$(go version -m "${BIN_DIR}/kubeconform" 2>/dev/null | awk '$1 == "mod" {print $3}')"
    fi
    if [[ "${current}" == "${KUBECONFORM_VERSION}" ]]; then
        echo "kubeconform ${KUBECONFORM_VERSION} already installed"
        return
    fi
    echo "installing kubeconform ${KUBECONFORM_VERSION} into ${BIN_DIR}"
    GOBIN="${BIN_DIR}" go install "github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION}"
}

install_grafana_strict() {
    local source="${REPO_ROOT}/tools/grafana-strict" binary="${BIN_DIR}/grafana-strict"
    # Rebuilt whenever its source or pinned SDK version is newer than the binary.
    if [[ -x "${binary}" && "${binary}" -nt "${source}/main.go" && "${binary}" -nt "${source}/go.sum" ]]; then
        echo "grafana-strict already built"
        return
    fi
    echo "building grafana-strict into ${BIN_DIR}"
    (cd "${source}" && go build -o "${binary}" .)
}

install_asyncapi_parser() {
    local folder="${REPO_ROOT}/tools/asyncapi"
    if ! command -v npm >/dev/null 2>&1; then
        echo "install_tools: 'npm' (Node.js 18+) is required for @asyncapi/parser" >&2
        exit 1
    fi
    local stamp="${folder}/node_modules/.package-lock.json"
    if [[ -f "${stamp}" && "${stamp}" -nt "${folder}/package-lock.json" ]]; then
        echo "@asyncapi/parser already installed"
        return
    fi
    echo "installing @asyncapi/parser (tools/asyncapi/package-lock.json)"
    (cd "${folder}" && npm ci --no-audit --no-fund --ignore-scripts)
}

apt_install() {
    local sudo=""
    if [[ "$(id -u)" != "0" ]]; then
        sudo="sudo"
    fi
    ${sudo} apt-get update
    ${sudo} env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

install_report_fonts() {
    # The service report's PDF draws Chinese with Noto Sans CJK; without it, it refuses.
    if [[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]] \
        && command -v pdftotext >/dev/null 2>&1; then
        echo "fonts-noto-cjk and poppler-utils already installed"
        return
    fi
    echo "installing fonts-noto-cjk and poppler-utils (Debian packages)"
    apt_install fonts-noto-cjk poppler-utils
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
    apt_install prometheus prometheus-alertmanager
    # Only the command-line tools are wanted: on a systemd host the packages also enable and
    # start the servers, which would hold ports 9090/9093. Stop what this script installed.
    if [[ -d /run/systemd/system ]]; then
        ${sudo} systemctl disable --now prometheus prometheus-alertmanager 2>/dev/null || true
    fi
}

if [[ $# -eq 0 ]]; then
    set -- kustomize kubeconform grafana-strict asyncapi-parser prometheus-tools report-fonts
fi
for part in "$@"; do
    case "${part}" in
        kustomize) install_kustomize ;;
        kubeconform) install_kubeconform ;;
        grafana-strict) install_grafana_strict ;;
        asyncapi-parser) install_asyncapi_parser ;;
        prometheus-tools) install_prometheus_tools ;;
        report-fonts) install_report_fonts ;;
        *) echo "install_tools: unknown part '${part}'" >&2; exit 2 ;;
    esac
done
