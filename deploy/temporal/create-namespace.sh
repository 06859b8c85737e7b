#!/bin/sh
# One-shot, once the Temporal server is up: the namespace the engine runs in and the runs' search
# attributes (domain/run-labels.ts), which the UI's `ExportId = "…"` query and the run list need.
# Safe to run again: what exists is left alone. The CLI reads TEMPORAL_ADDRESS from the environment.
set -eu
NAMESPACE=${TEMPORAL_NAMESPACE:-default}
RETENTION=${TEMPORAL_NAMESPACE_RETENTION:-7d}

# A new server, or a namespace just created, takes a few seconds to answer everywhere.
retry() {
  n=1
  until "$@"; do
    [ "$n" -ge 60 ] && { echo "gave up: $*"; return 1; }
    n=$((n + 1))
    sleep 2
  done
}

namespace_exists() {
  temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1 \
    || temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
}

attribute_exists() {
  temporal operator search-attribute list --namespace "$NAMESPACE" | grep -qw "$1" \
    || temporal operator search-attribute create --namespace "$NAMESPACE" --name "$1" --type Keyword
}

retry temporal operator cluster health
retry namespace_exists
for name in ExportId ExportName ConnectionId RunTrigger TriggeredBy; do
  retry attribute_exists "$name"
done
echo "namespace $NAMESPACE and its search attributes are in place"
