#!/usr/bin/env bash
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# make demo: the DNS migration runbook end to end, against the local emulator, from a fresh clone.
#
#   1. creates (or reuses) the project's virtualenv from the pinned requirements (scripts/test.sh venv)
#   2. builds the collection with ansible-galaxy and installs the tarball into a temporary collections path
#   3. starts the emulator with 200 domains, three of which are made to fail and one locked at the registrar
#   4. runs `ansible-playbook aliyun.domain.migrate_dns` against it and prints the summary and the report path
#   5. stops the emulator whatever happens
#
# Exits 0 when the collection behaved: every domain but the three made to fail and the locked one changed,
# the three are reported as failed, the locked one as blocked (never submitted) with its reason, nothing
# is left pending, and every result was acknowledged. The intended failures
# make the playbook itself end in failure; that is the runbook doing its job, not a demo failure.
#
# Environment: DEMO_OUTPUT (default ${TMPDIR:-/tmp}/aliyun-domain-demo) keeps the journal and the reports;
# DEMO_DOMAINS (default 200); DEMO_TASK_SECONDS (default 1-6, the emulator's time per try);
# DEMO_VENV: an existing virtualenv with the test requirements to use instead of the project's own.

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO_OUTPUT=${DEMO_OUTPUT:-${TMPDIR:-/tmp}/aliyun-domain-demo}
DEMO_DOMAINS=${DEMO_DOMAINS:-200}
DEMO_TASK_SECONDS=${DEMO_TASK_SECONDS:-1-6}
FAIL_PATTERN='example-0001[0-2]\.com'
EXPECTED_FAILED='example-00010.com example-00011.com example-00012.com'
# the registrar pre-flight finds its update prohibition lock on: reported as blocked, never submitted
LOCKED_DOMAIN='example-00005.com'

say() { printf '=== %s\n' "$*"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/aliyun-domain-demo-work.XXXXXX")
EMULATOR_PID=
PLAYBOOK_PID=

cleanup() {
    if [ -n "$PLAYBOOK_PID" ] && kill -0 "$PLAYBOOK_PID" 2>/dev/null; then
        kill -TERM "$PLAYBOOK_PID" 2>/dev/null || true
        wait "$PLAYBOOK_PID" 2>/dev/null || true
    fi
    if [ -n "$EMULATOR_PID" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
        kill -TERM "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$SECONDS

say "virtualenv"
if [ -n "${DEMO_VENV:-}" ]; then
    VENV=$DEMO_VENV
else
    VENV=$(bash "$REPO_ROOT/scripts/test.sh" venv | tail -n 1)
fi
PYTHON="$VENV/bin/python"
[ -x "$PYTHON" ] || { echo "demo.sh: no virtualenv at $VENV" >&2; exit 1; }

say "building and installing the collection"
"$VENV/bin/ansible-galaxy" collection build "$REPO_ROOT" --output-path "$WORK/build" --force >/dev/null
tarball=$(ls "$WORK"/build/aliyun-domain-*.tar.gz)
ANSIBLE_COLLECTIONS_PATH="$WORK/collections" "$VENV/bin/ansible-galaxy" collection install "$tarball" -p "$WORK/collections" --force >/dev/null
echo "installed $(basename "$tarball")"

say "starting the emulator ($DEMO_DOMAINS domains, failing: $FAIL_PATTERN, locked: $LOCKED_DOMAIN)"
(cd "$REPO_ROOT" && exec "$PYTHON" -m emulator --port 0 --domains "$DEMO_DOMAINS" --fail-domains "$FAIL_PATTERN" \
    --domain-state "$LOCKED_DOMAIN=UpdateProhibitionLock:OPEN" \
    --task-seconds "$DEMO_TASK_SECONDS" --max-tries 2 --seed 7 --quiet) >"$WORK/emulator.out" 2>"$WORK/emulator.err" &
EMULATOR_PID=$!
url=
for _ in $(seq 1 100); do
    url=$(sed -n 's/^listening on \(http[s]*:\/\/[^ ]*\).*/\1/p' "$WORK/emulator.out" | head -n 1)
    [ -n "$url" ] && break
    kill -0 "$EMULATOR_PID" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$url" ]; then
    echo "demo.sh: the emulator did not start:" >&2
    cat "$WORK/emulator.err" >&2
    exit 1
fi
echo "emulator at $url"

rm -rf "$DEMO_OUTPUT"
mkdir -p "$DEMO_OUTPUT"
"$PYTHON" - "$DEMO_DOMAINS" >"$WORK/vars.yml" <<'EOF'
import json
import sys

count = int(sys.argv[1])
print(json.dumps({
    'dns_migration_domains': ['example-%05d.com' % number for number in range(1, count + 1)],
    'dns_migration_nameservers': ['ns1.demo-dns.example.net', 'ns2.demo-dns.example.net'],
    'dns_migration_batch_size': 50,
    'dns_migration_wait_timeout': 300,
    'dns_migration_poll_interval': 1,
    'dns_migration_max_poll_interval': 5,
}))
EOF

say "ansible-playbook aliyun.domain.migrate_dns"
set +e
ANSIBLE_COLLECTIONS_PATH="$WORK/collections" \
ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
ANSIBLE_LOCALHOST_WARNING=false \
ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
ALIBABA_CLOUD_ACCESS_KEY_ID=testid \
ALIBABA_CLOUD_ACCESS_KEY_SECRET=testsecret \
ALIBABA_CLOUD_DOMAIN_ENDPOINT="$url" \
    "$VENV/bin/ansible-playbook" aliyun.domain.migrate_dns -e "@$WORK/vars.yml" -e "dns_migration_work_dir=$DEMO_OUTPUT" \
    -e "ansible_python_interpreter=$PYTHON" &
# In the background, so that a signal to this script stops the playbook and the emulator at once.
PLAYBOOK_PID=$!
wait "$PLAYBOOK_PID"
playbook_rc=$?
PLAYBOOK_PID=
set -e

say "summary"
report=$(find "$DEMO_OUTPUT/reports" -maxdepth 1 -name 'dns-migration-*.json' -printf '%T@ %p\n' 2>/dev/null |
    sort -rn | head -n 1 | cut -d' ' -f2- || true)
if [ -z "$report" ]; then
    echo "demo.sh: the playbook (exit $playbook_rc) wrote no report" >&2
    exit 1
fi
"$PYTHON" - "$report" "$EXPECTED_FAILED" "$playbook_rc" "$((SECONDS - started))" "$LOCKED_DOMAIN" <<'EOF'
import json
import sys

report = json.load(open(sys.argv[1]))
expected_failed = sorted(sys.argv[2].split())
playbook_rc = int(sys.argv[3])
summary = report['summary']
print('domains:      %(total)d' % summary)
print('changed:      %(succeeded)d' % summary)
print('failed:       %d %s' % (summary['failed'], ' '.join(report['failed_domains'])))
print('pending:      %(pending)d' % summary)
blocked = [row for row in report['domains'] if row['status'] == 'blocked']
print('blocked:      %d %s' % (len(blocked), '; '.join('%s (%s)' % (row['domain'], row['error_msg']) for row in blocked)))
print('acknowledged: %(acknowledged)d' % summary)
print('tasks:        %d' % len(report['task_nos']))
print('report:       %s' % sys.argv[1][:-len('.json')] + '.html')
print('took:         %ss' % sys.argv[4])
problems = []
if sorted(report['failed_domains']) != expected_failed:
    problems.append('failed domains %s, expected %s' % (report['failed_domains'], expected_failed))
if summary['pending'] or report['errors']:
    problems.append('pending %d, errors %s' % (summary['pending'], report['errors']))
if [row['domain'] for row in blocked] != [sys.argv[5]]:
    problems.append('blocked domains %s, expected %s' % ([row['domain'] for row in blocked], sys.argv[5]))
if summary['succeeded'] + summary['unchanged'] != summary['total'] - len(expected_failed) - len(blocked):
    problems.append('%d changed of %d' % (summary['succeeded'], summary['total']))
if summary['acknowledged'] != summary['succeeded'] + summary['failed']:
    problems.append('%d acknowledged of %d results' % (summary['acknowledged'], summary['succeeded'] + summary['failed']))
if playbook_rc not in (0, 2):
    problems.append('ansible-playbook exited %d' % playbook_rc)
if problems:
    print('DEMO FAILED: ' + '; '.join(problems))
    sys.exit(1)
print('The three failures above were made on purpose (--fail-domains), and so was the lock (--domain-state): the')
print('runbook never submitted the locked domain, reported all four and failed at the end, after acknowledging every')
print('result. Demo OK.')
EOF
