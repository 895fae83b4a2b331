# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m emulator`` as a process: first line, signals, restart with --state, TLS, options."""

import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time

import pytest

from emulator.client import SignedClient
from emulator.process import ROOT, EmulatorError, EmulatorProcess

PAGE = {'PageNum': 1, 'PageSize': 100}


def test_first_line_and_sigterm_and_sigint(tmp_path):
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        process = subprocess.Popen([sys.executable, '-m', 'emulator', '--port', '0', '--state', str(tmp_path / 'state')],
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = process.stdout.readline().decode()
            assert re.match(r'^listening on http://127\.0\.0\.1:\d+\n$', line)
            process.send_signal(stop_signal)
            assert process.wait(20) == 0
            assert process.stderr.read() == b''
        finally:
            if process.poll() is None:
                process.kill()
            process.stdout.close()
            process.stderr.close()


def test_bad_option_exits_with_a_message():
    result = subprocess.run([sys.executable, '-m', 'emulator', '--task-seconds', '5-1'], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "task_seconds '5-1': expected S or MIN-MAX with 0 <= MIN <= MAX" in result.stderr
    with pytest.raises(EmulatorError) as caught:
        EmulatorProcess('--throttle-rate', '7').start()
    assert 'throttle_rate' in str(caught.value)


def test_unusable_state_file_or_port_is_one_clear_line(tmp_path):
    result = subprocess.run([sys.executable, '-m', 'emulator', '--port', '0', '--state', str(tmp_path / 'missing' / 'state')],
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout) == (1, '')
    assert result.stderr == 'cannot use the state file %s: unable to open database file\n' % (tmp_path / 'missing' / 'state')
    with EmulatorProcess() as running:
        with pytest.raises(EmulatorError) as caught:
            EmulatorProcess('--port', str(running.port)).start()
        assert 'cannot serve on 127.0.0.1:%d' % running.port in str(caught.value)


def test_state_survives_restart_mid_task(tmp_path):
    state = tmp_path / 'state.sqlite3'
    with EmulatorProcess('--task-seconds', '1', '--domains', '5', state=state) as emulator:
        client = SignedClient(emulator.url)
        task_no = client.call('SaveBatchTaskForModifyingDomainDns', {
            'DomainName': ['example-00001.com', 'example-00002.com'], 'AliyunDns': False,
            'DomainNameServer': ['ns1.kept.example', 'ns2.kept.example']}).body['TaskNo']
        port = emulator.port
        client.close()
        assert emulator.stop() == 0
        emulator.restart()
        assert emulator.port == port
        client = SignedClient(emulator.url)
        details = client.call('QueryTaskDetailList', dict(PAGE, TaskNo=task_no)).body['Data']['TaskDetail']
        assert len(details) == 2
        deadline = time.monotonic() + 10
        while client.call('PollTaskResult', PAGE).body['TotalItemNum'] < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        polled = client.call('PollTaskResult', PAGE).body['Data']['TaskDetail']
        assert sorted(item['DomainName'] for item in polled) == ['example-00001.com', 'example-00002.com']
        assert client.call('AcknowledgeTaskResult', {'TaskDetailNo': [polled[0]['TaskDetailNo']]}).body['Result'] == 1
        client.close()
        emulator.kill()  # no clean shutdown: the acknowledgement was its own committed transaction
        emulator.start()
        client = SignedClient(emulator.url)
        assert client.call('PollTaskResult', PAGE).body['TotalItemNum'] == 1
        dns = client.call('QueryDomainByDomainName', {'DomainName': 'example-00001.com'}).body['DnsList']['Dns']
        assert dns == ['ns1.kept.example', 'ns2.kept.example']
        assert emulator.stats()['submissions_per_domain'] == {'example-00001.com': 1, 'example-00002.com': 1}
        client.close()


def test_domain_file_and_seeded_domains(tmp_path):
    listing = tmp_path / 'domains.txt'
    listing.write_text('# ours\nMine.Example.\n\nsecond.example  # comment\n', encoding='utf-8')
    with EmulatorProcess('--domain-file', str(listing)) as emulator:
        client = SignedClient(emulator.url)
        body = client.call('QueryDomainList', {'PageNum': 1, 'PageSize': 10}).body
        # newest registration first: the file's names are registered in its order
        assert [item['DomainName'] for item in body['Data']['Domain']] == ['second.example', 'mine.example']
        client.close()
    with EmulatorProcess('--domain-file', str(listing), '--domains', '3') as emulator:
        assert emulator.stats()['domains'] == 5


def test_client_env_and_helpers():
    with EmulatorProcess('--access-key', 'STS.a:b:c', '--task-seconds', '0') as emulator:
        env = emulator.client_env()
        assert env == {'ALIBABA_CLOUD_ACCESS_KEY_ID': 'STS.a', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET': 'b',
                       'ALIBABA_CLOUD_DOMAIN_ENDPOINT': emulator.url, 'ALIBABA_CLOUD_SECURITY_TOKEN': 'c'}
        assert emulator.health()['pid'] == emulator.process.pid
        seeded = emulator.seed(3)
        assert emulator.detail_final_times(seeded['task_nos'][0])[0] <= time.time()
        assert emulator.configure(throttle_rate=0.5)['throttle_rate'] == 0.5
        emulator.reset()
        assert emulator.stats()['config']['throttle_rate'] == 0
        assert emulator.reset(seed=5) == {'status': 'reset'}
        with pytest.raises(EmulatorError, match='seed -1'):
            emulator.reset(seed=-1)
    assert not emulator.running


@pytest.mark.skipif(shutil.which('openssl') is None, reason='needs the openssl command to make a certificate')
def test_tls(tmp_path):
    cert, key = tmp_path / 'cert.pem', tmp_path / 'key.pem'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', str(key), '-out', str(cert),
                    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
                   check=True, capture_output=True, timeout=60)
    with EmulatorProcess('--tls-cert', str(cert), '--tls-key', str(key)) as emulator:
        assert emulator.url.startswith('https://127.0.0.1:')
        context = ssl.create_default_context(cafile=str(cert))
        client = SignedClient(emulator.url, context=context)
        assert client.call('PollTaskResult', PAGE).status == 200
        client.close()
        assert emulator.health()['status'] == 'ok'
    assert os.path.exists(cert)
