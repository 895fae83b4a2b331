#!/usr/bin/env bash
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The project's test driver (make test / sanity / unit / integration, and the virtualenv for demo/bench).
#
#   scripts/test.sh [all]        sanity on ansible-core 2.19 (Python 3.11; compile and import also on 3.8) and the
#                                newest core (Python 3.12), the docs lint, then ONE pytest run over the test
#                                suites; the last line gives each phase's time, pytest's summary is above it
#   scripts/test.sh sanity       both sanity runs only
#   scripts/test.sh docs         antsibull-docs lint of the plugin docs and the guides in docs/docsite only
#   scripts/test.sh unit|integration [pytest args]   pytest on that suite, straight from the checkout
#   scripts/test.sh pytest [pytest args]             pytest on every suite, straight from the checkout
#   scripts/test.sh fast [pytest args]               the same without the long end-to-end tests (marker e2e)
#   scripts/test.sh venv         create or reuse .venv and print its path
#
# Virtualenvs live in the checkout (.venv, .venv-newest) and are rebuilt only when the Python version or
# the pinned requirement files change. Sanity runs on a copy of the tracked and untracked-but-not-ignored
# files placed at <tmp>/ansible_collections/aliyun/domain, where ansible-test expects a collection.
#
# Environment: PYTEST_WORKERS (default 2; 0 runs pytest without xdist), SKIP_SANITY=1, SKIP_NEWEST=1.

set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MAIN_PYTHON_VERSION=3.11
NEWEST_PYTHON_VERSION=3.12
OLDEST_TARGET_PYTHON_VERSION=3.8
MAIN_VENV="$REPO_ROOT/.venv"
NEWEST_VENV="$REPO_ROOT/.venv-newest"
PYTEST_SUITES=(tests/unit tests/integration tests/interop)

say() { printf '=== %s\n' "$*"; }

# Drop pip's complaints about configured local index directories that do not exist on this machine;
# they repeat for every package and bury real messages. Keeps the command's exit status.
without_pip_noise() {
    "$@" 2>&1 | grep --line-buffered -v "^WARNING: Location 'file:.*' is ignored: it is neither a file nor a directory\.$"
    return "${PIPESTATUS[0]}"
}
die() { printf 'test.sh: %s\n' "$*" >&2; exit 2; }

# The interpreter for a MAJOR.MINOR version: on PATH, else from pyenv, else nothing.
find_python() {
    local version=$1 candidate root
    for candidate in "python$version" python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$version' else 1)" >/dev/null 2>&1; then
            "$candidate" -c 'import sys; print(sys.executable)'
            return 0
        fi
    done
    root=${PYENV_ROOT:-$HOME/.pyenv}
    while IFS= read -r candidate; do
        if [ -x "$candidate/bin/python$version" ]; then
            echo "$candidate/bin/python$version"
            return 0
        fi
    done < <(printf '%s\n' "$root/versions/$version".* | sort -V -r)
    return 1
}

# ensure_venv DIR PYTHON REQUIREMENT_FILE...: (re)create DIR unless it was built from the same inputs.
# Serialised with a lock file: make test, make demo and make bench may start at the same time.
ensure_venv() {
    local dir=$1 status
    (
        if command -v flock >/dev/null 2>&1; then
            flock 9 || exit 1
        fi
        build_venv "$@"
    ) 9>"$dir.lock"
    status=$?
    return $status
}

build_venv() {
    local dir=$1 python=$2 key
    shift 2
    key=$( { "$python" -c 'import sys; print(sys.version)'; cat "$@"; } | sha256sum | cut -d' ' -f1)
    if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.requirements-key" 2>/dev/null)" = "$key" ]; then
        return 0
    fi
    say "creating $(basename "$dir") with $("$python" --version 2>&1) from ${*#"$REPO_ROOT"/}"
    rm -rf "$dir"
    "$python" -m venv "$dir" || return 1
    local args=()
    local file
    for file in "$@"; do args+=(-r "$file"); done
    without_pip_noise "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "${args[@]}" || return 1
    echo "$key" >"$dir/.requirements-key"
}

main_venv() {
    local python
    python=$(find_python "$MAIN_PYTHON_VERSION") || die "Python $MAIN_PYTHON_VERSION is needed (on PATH or through pyenv)"
    ensure_venv "$MAIN_VENV" "$python" "$REPO_ROOT/requirements/test.txt" || die "cannot build $MAIN_VENV"
}

# Copy what git would ship (tracked plus untracked files that are not ignored) into the collection tree.
copy_collection() {
    local dest=$1
    mkdir -p "$dest"
    if git -C "$REPO_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$REPO_ROOT" && git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' path; do [ -e "$path" ] && printf '%s\0' "$path"; done |
            tar --null -T - -cf -) | tar -xf - -C "$dest"
    else
        (cd "$REPO_ROOT" && tar --exclude='./.venv*' --exclude=./tests/output --exclude='*/__pycache__' -cf - .) | tar -xf - -C "$dest"
    fi
}

# run_sanity VENV PYTHON_VERSION COLLECTION_DIR [ansible-test options]: ansible-test sanity in virtualenvs
# it manages. ansible-test looks for pythonX.Y on PATH: $SHIM_BIN holds links to interpreters found elsewhere.
# shellcheck disable=SC2329  # called through timed
run_sanity() {
    local venv=$1 version=$2 collection=$3 core
    shift 3
    core=$("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)')
    say "ansible-test sanity: ansible-core $core, Python $version${*:+ ($*)}"
    "$venv/bin/python" "$REPO_ROOT/scripts/seed_ansible_test_pip.py" || return 1
    (cd "$collection" &&
        PATH="$venv/bin:$SHIM_BIN:$PATH" without_pip_noise "$venv/bin/ansible-test" sanity --venv --python "$version" --color no "$@")
}

# antsibull-docs lint-collection-docs: the plugins' documentation as ansible-doc reads it, and the guides
# listed in docs/docsite/extra-docs.yml (what the Ansible docs site would publish).
# shellcheck disable=SC2329  # called through timed
run_docs_lint() {
    local collection=$1
    say "antsibull-docs lint-collection-docs --plugin-docs"
    (cd "$collection" && PATH="$MAIN_VENV/bin:$PATH" "$MAIN_VENV/bin/antsibull-docs" lint-collection-docs --plugin-docs .)
}

SANITY_FAILED=()
TIMINGS=()

timed() {
    local label=$1 started=$SECONDS status
    shift
    "$@"
    status=$?
    TIMINGS+=("$label $((SECONDS - started))s")
    return $status
}

COPY_ROOT=
COLLECTION_COPY=
SHIM_BIN=

prepare_copy() {
    COPY_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/aliyun-domain-test.XXXXXX") || die "cannot create a temporary directory"
    # shellcheck disable=SC2064
    trap "rm -rf '$COPY_ROOT'" EXIT
    COLLECTION_COPY="$COPY_ROOT/ansible_collections/aliyun/domain"
    SHIM_BIN="$COPY_ROOT/bin"
    mkdir -p "$SHIM_BIN"
    copy_collection "$COLLECTION_COPY" || die "cannot copy the checkout to $COLLECTION_COPY"
}

sanity_phase() {
    local newest_python oldest_python
    timed "sanity-2.19/py$MAIN_PYTHON_VERSION" run_sanity "$MAIN_VENV" "$MAIN_PYTHON_VERSION" "$COLLECTION_COPY" ||
        SANITY_FAILED+=("ansible-core 2.19 / Python $MAIN_PYTHON_VERSION")

    # Modules and module_utils run on the managed host, down to Python $OLDEST_TARGET_PYTHON_VERSION.
    if oldest_python=$(find_python "$OLDEST_TARGET_PYTHON_VERSION"); then
        ln -sf "$oldest_python" "$SHIM_BIN/python$OLDEST_TARGET_PYTHON_VERSION"
        timed "sanity-2.19/py$OLDEST_TARGET_PYTHON_VERSION" run_sanity "$MAIN_VENV" "$OLDEST_TARGET_PYTHON_VERSION" "$COLLECTION_COPY" \
            --test compile --test import ||
            SANITY_FAILED+=("ansible-core 2.19 / Python $OLDEST_TARGET_PYTHON_VERSION (compile, import)")
    else
        say "SKIPPED: compile and import sanity on Python $OLDEST_TARGET_PYTHON_VERSION: not found on PATH or through pyenv"
    fi

    if [ "${SKIP_NEWEST:-}" = 1 ]; then
        say "SKIPPED: sanity on the newest ansible-core (SKIP_NEWEST=1)"
    elif newest_python=$(find_python "$NEWEST_PYTHON_VERSION"); then
        if timed "venv-newest" ensure_venv "$NEWEST_VENV" "$newest_python" "$REPO_ROOT/requirements/sanity-newest.txt"; then
            timed "sanity-newest/py$NEWEST_PYTHON_VERSION" run_sanity "$NEWEST_VENV" "$NEWEST_PYTHON_VERSION" "$COLLECTION_COPY" ||
                SANITY_FAILED+=("newest ansible-core / Python $NEWEST_PYTHON_VERSION")
        else
            SANITY_FAILED+=("cannot build $NEWEST_VENV")
        fi
    else
        say "SKIPPED: sanity on the newest ansible-core: Python $NEWEST_PYTHON_VERSION not found on PATH or through pyenv"
    fi
}

existing_suites() {
    local root=$1 suite
    for suite in "${PYTEST_SUITES[@]}"; do
        [ -d "$root/$suite" ] && printf '%s\n' "$suite"
    done
}

# run_pytest DIR ARGS...: pytest from DIR (the checkout or the collection copy) with the main virtualenv.
run_pytest() {
    local dir=$1 workers=${PYTEST_WORKERS:-2} xdist=()
    shift
    # worksteal: the long end-to-end tests otherwise leave one worker idle at the end of the run.
    [ "$workers" != 0 ] && xdist=(-n "$workers" --dist worksteal)
    (cd "$dir" && PATH="$MAIN_VENV/bin:$PATH" "$MAIN_VENV/bin/python" -m pytest -p no:cacheprovider "${xdist[@]}" "$@")
}

# The delegation integration tests run a real authoritative server: Knot DNS (Debian package "knot").
# Installed here when missing and this runs as root (as CI does); otherwise stop with what to do.
ensure_knot() {
    command -v knotd >/dev/null 2>&1 || [ -x /usr/sbin/knotd ] && return 0
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        die "Knot DNS (knotd) is missing and cannot be installed here (needs root and apt-get): install the package \"knot\" (apt-get install knot), then run again"
    fi
    say "installing Knot DNS (apt-get install knot) for the delegation integration tests"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends knot >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends knot ||
            die "could not install Knot DNS with apt-get (see above): the delegation integration tests need knotd"
    fi
    [ -x /usr/sbin/knotd ] || command -v knotd >/dev/null 2>&1 || die "apt-get installed knot but knotd is not on PATH or in /usr/sbin"
}

main() {
    local command=${1:-all}
    [ $# -gt 0 ] && shift

    case "$command" in
        venv)
            main_venv
            echo "$MAIN_VENV"
            ;;
        sanity)
            timed venv main_venv
            prepare_copy
            sanity_phase
            say "timings: ${TIMINGS[*]}"
            if [ ${#SANITY_FAILED[@]} -gt 0 ]; then
                say "sanity FAILED: ${SANITY_FAILED[*]}"
                exit 1
            fi
            ;;
        docs)
            timed venv main_venv
            prepare_copy
            timed docs-lint run_docs_lint "$COLLECTION_COPY"
            local status=$?
            say "timings: ${TIMINGS[*]}"
            exit $status
            ;;
        unit | integration)
            main_venv
            [ "$command" = integration ] && ensure_knot
            run_pytest "$REPO_ROOT" "tests/$command" "$@"
            ;;
        pytest)
            main_venv
            ensure_knot
            local suites
            mapfile -t suites < <(existing_suites "$REPO_ROOT")
            run_pytest "$REPO_ROOT" "${suites[@]}" "$@"
            ;;
        fast)
            main_venv
            ensure_knot
            local suites
            mapfile -t suites < <(existing_suites "$REPO_ROOT")
            run_pytest "$REPO_ROOT" "${suites[@]}" -m 'not e2e' "$@"
            ;;
        all)
            timed venv main_venv
            prepare_copy
            if [ "${SKIP_SANITY:-}" = 1 ]; then
                say "SKIPPED: sanity (SKIP_SANITY=1)"
            else
                sanity_phase
            fi
            timed docs-lint run_docs_lint "$COLLECTION_COPY" || SANITY_FAILED+=("antsibull-docs lint")
            say "timings: ${TIMINGS[*]}"
            if [ ${#SANITY_FAILED[@]} -gt 0 ]; then
                say "FAILED: ${SANITY_FAILED[*]} (see above); the exit status will be non-zero"
            fi
            ensure_knot
            local suites
            mapfile -t suites < <(existing_suites "$COLLECTION_COPY")
            say "pytest: ${suites[*]} (in $COLLECTION_COPY)"
            # --durations: the slowest tests, so that a test that grows long shows up in every run.
            timed pytest run_pytest "$COLLECTION_COPY" "${suites[@]}" --durations=15 "$@"
            local status=$?
            if [ ${#SANITY_FAILED[@]} -gt 0 ] && [ $status -eq 0 ]; then
                status=1
            fi
            say "timings: ${TIMINGS[*]}${SANITY_FAILED[*]:+ (FAILED before pytest: ${SANITY_FAILED[*]})}"
            exit $status
            ;;
        *)
            die "unknown command '$command' (all, sanity, docs, unit, integration, pytest, fast, venv)"
            ;;
    esac
}

# Everything above is only definitions, and bash reads this whole line before it runs main: editing this
# script during a run cannot change the run.
main "$@"; exit $?
