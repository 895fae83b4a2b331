# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the emulator's own tests: an in-process emulator on a free port, and signed clients for it."""

import threading

import pytest

from emulator.client import SignedClient
from emulator.options import parse_args
from emulator.server import create_server


class RunningEmulator:
    """An emulator serving from a thread of the test process."""

    def __init__(self, server):
        self.server = server
        self.emulator = server.emulator
        self.url = server.emulator.url
        self.clients = []

    def client(self, **kwargs):
        client = SignedClient(self.url, **kwargs)
        self.clients.append(client)
        return client

    def stats(self, details=True):
        return self.emulator.stats_json(with_details=details)


@pytest.fixture
def start_emulator():
    """start_emulator(*cli_args) -> RunningEmulator; defaults: --port 0 --domains 10 --task-seconds 0.2."""
    running = []

    def start(*cli_args):
        args = parse_args(['--port', '0', '--domains', '10', '--task-seconds', '0.2'] + [str(a) for a in cli_args])
        server = create_server(args)
        thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
        thread.start()
        instance = RunningEmulator(server)
        running.append((instance, thread))
        return instance

    yield start
    for instance, thread in running:
        for client in instance.clients:
            client.close()
        instance.server.shutdown()
        instance.server.server_close()
        thread.join(5)
        instance.emulator.close()


@pytest.fixture
def emulator(start_emulator):  # pylint: disable=redefined-outer-name
    return start_emulator()
