#!/usr/bin/env bash
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# make demo: the DNS migration runbook end to end, against the local emulator, from a fresh clone.
#
#   1. creates (or reuses) the project's virtualenv from the pinned requirements (scripts/test.sh venv)
#   2. builds the collection with ansible-galaxy and installs the tarball into a temporary collections path
#   3. starts the emulator with 200 domains, three of which are made to fail and one locked at the registrar; it
#      also serves DNS: the registry's parent zone and the target provider's two nameservers, one of which is
#      lame for one domain, and one signed domain whose DNSKEY the targets do not serve
#   4. runs `ansible-playbook aliyun.domain.migrate_dns` against it and prints the summary and the report path: the
#      three blocked domains (one by the registrar pre-flight, two by the DNS pre-flight), and every moved domain
#      verified at the parent zone
#   5. stops the emulator whatever happens
#
# Exits 0 when the collection behaved: every domain but the three made to fail and the three blocked changed,
# the three are reported as failed, the blocked ones as blocked (never submitted) with their reasons, every
# moved domain is verified at the parent zone, nothing is left pending, and every result was acknowledged.
# The intended failures
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
LAME_DOMAIN=example-00020.com        # ns2 of the target provider was never given this zone
UNSIGNED_DOMAIN=example-00021.com    # signed (DS at the parent), but the targets serve no matching DNSKEY
TARGETS='ns1.demo-dns.example.net ns2.demo-dns.example.net'

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
    --task-seconds "$DEMO_TASK_SECONDS" --max-tries 2 --seed 7 --quiet \
    --dns-port 0 --dns-nameserver ns1.demo-dns.example.net --dns-nameserver ns2.demo-dns.example.net) \
    >"$WORK/emulator.out" 2>"$WORK/emulator.err" &
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
"$PYTHON" - "$DEMO_DOMAINS" "$url" "$LAME_DOMAIN" "$UNSIGNED_DOMAIN" "$TARGETS" >"$WORK/vars.yml" <<'EOF'
import json
import sys
import urllib.request

count, url, lame, unsigned, targets = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split()
# the emulator's DNS: a lame second target for one domain, a signed domain whose targets lack its key
request = urllib.request.Request(url + '/_emulator/dns', method='POST', headers={'Content-Type': 'application/json'},
                                 data=json.dumps({'domains': {lame: {'lame': [targets[1]]},
                                                              unsigned: {'signed': True, 'missing_dnskey': True}}}).encode())
urllib.request.urlopen(request, timeout=10).read()
dns = json.load(urllib.request.urlopen(url + '/_emulator/dns', timeout=10))
print(json.dumps({
    'dns_migration_domains': ['example-%05d.com' % number for number in range(1, count + 1)],
    'dns_migration_nameservers': targets,
    # the registry's parent zone and the provider's servers are the emulator's, on loopback ports
    'dns_migration_parent_nameservers': [dns['parent']],
    'dns_migration_nameserver_addresses': dict((name, [dns['nameservers'][name]]) for name in targets),
    'dns_migration_delegation_timeout': 120,
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
"$PYTHON" - "$report" "$EXPECTED_FAILED" "$playbook_rc" "$((SECONDS - started))" "$LOCKED_DOMAIN $LAME_DOMAIN $UNSIGNED_DOMAIN" <<'EOF'
import json
import sys

report = json.load(open(sys.argv[1]))
expected_failed = sorted(sys.argv[2].split())
playbook_rc = int(sys.argv[3])
expected_blocked = sorted(sys.argv[5].split())
summary = report['summary']
moved = [record for record in report['domains'] if record['status'] in ('succeeded', 'unchanged')]
verified = [record for record in moved if (record.get('delegation') or {}).get('verified')]
print('domains:      %(total)d' % summary)
print('changed:      %(succeeded)d' % summary)
print('failed:       %d %s' % (summary['failed'], ' '.join(report['failed_domains'])))
print('blocked:      %d %s (not submitted)' % (summary['blocked'], ' '.join(report['blocked_domains'])))
for record in report['domains']:
    if record['status'] == 'blocked':
        print('              %s: %s' % (record['domain'], record['error_msg']))
print('verified:     %d of %d moved domains delegated to the targets by the parent zone' % (len(verified), len(moved)))
if verified:
    example = verified[0]['delegation']
    print('              e.g. %s at %s, parent TTL %s s: the old nameservers may be used until %s'
          % (verified[0]['domain'], example['verified_at'], example['parent_ns_ttl'], example['old_nameservers_until']))
print('pending:      %(pending)d' % summary)
print('acknowledged: %(acknowledged)d' % summary)
print('tasks:        %d' % len(report['task_nos']))
print('report:       %s' % sys.argv[1][:-len('.json')] + '.html')
print('took:         %ss' % sys.argv[4])
problems = []
if sorted(report['failed_domains']) != expected_failed:
    problems.append('failed domains %s, expected %s' % (report['failed_domains'], expected_failed))
if summary['pending'] or report['errors']:
    problems.append('pending %d, errors %s' % (summary['pending'], report['errors']))
if sorted(report['blocked_domains']) != expected_blocked:
    problems.append('blocked domains %s, expected %s' % (report['blocked_domains'], expected_blocked))
if len(verified) != len(moved) or summary['unverified']:
    problems.append('%d of %d moved domains verified at the parent zone' % (len(verified), len(moved)))
if summary['succeeded'] + summary['unchanged'] != summary['total'] - len(expected_failed) - len(expected_blocked):
    problems.append('%d changed of %d' % (summary['succeeded'], summary['total']))
if summary['acknowledged'] != summary['succeeded'] + summary['failed']:
    problems.append('%d acknowledged of %d results' % (summary['acknowledged'], summary['succeeded'] + summary['failed']))
if playbook_rc not in (0, 2):
    problems.append('ansible-playbook exited %d' % playbook_rc)
if problems:
    print('DEMO FAILED: ' + '; '.join(problems))
    sys.exit(1)
print('The three failures (--fail-domains), the lock (--domain-state) and the two DNS problems (the emulator\'s')
print('DNS switches) were made on purpose: the runbook never submitted the blocked domains, reported them all and')
print('failed at the end, after acknowledging every result. Demo OK.')
EOF
