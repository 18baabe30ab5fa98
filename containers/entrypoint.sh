#!/usr/bin/env bash
# Entry point of the ukiyoe image: gives git and DVC a writable HOME whatever UID the container runs as,
# warns when the working tree belongs to another UID (git's dubious-ownership check; pygit2, used by
# `dvc exp`, ignores safe.directory), then runs the command (default: ukiyoe --help).
set -euo pipefail

if [[ ! -d "${HOME:-}" || ! -w "${HOME:-}" ]]; then
    HOME="$(mktemp -d /tmp/ukiyoe-home.XXXXXX)"
    export HOME
fi

if [[ -e .git ]] && [[ "$(stat -c %u .)" != "$(id -u)" ]]; then
    echo "ukiyoe-entrypoint: warning: $PWD belongs to UID $(stat -c %u .) but the container runs as" \
        "UID $(id -u); git and DVC will refuse it. Start the container with containers/run." >&2
fi

if [[ $# -eq 0 ]]; then
    set -- ukiyoe --help
fi
exec "$@"
