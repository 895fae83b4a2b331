# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Makes the collection importable as ``ansible_collections.aliyun.domain`` for every test.

ansible-core only finds a collection below a directory named ``ansible_collections/<namespace>/<name>``.
When the tests already run from such a tree (``make test`` copies the checkout into one), that tree is
used; otherwise (pytest started in a plain clone) a temporary tree with a symlink to the clone is made.
The repository root is also put on ``sys.path`` so that ``emulator`` (``python -m emulator``) imports.
Fixtures used by more than one suite live here too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import datetime
import ipaddress
import os
import shutil
import sys
import tempfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NAMESPACE = 'aliyun'
NAME = 'domain'

# abspath, not realpath: the tree may be a symlink into a clone, and the tree is what must be kept.
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _enclosing_collections_root(collection_root):
    name_dir = collection_root
    namespace_dir = os.path.dirname(name_dir)
    ansible_collections_dir = os.path.dirname(namespace_dir)
    if (os.path.basename(name_dir), os.path.basename(namespace_dir), os.path.basename(ansible_collections_dir)) == (
            NAME, NAMESPACE, 'ansible_collections'):
        return os.path.dirname(ansible_collections_dir)
    return None


def _temporary_collections_root(collection_root):
    root = tempfile.mkdtemp(prefix='aliyun-domain-collections-')
    namespace_dir = os.path.join(root, 'ansible_collections', NAMESPACE)
    os.makedirs(namespace_dir)
    os.symlink(collection_root, os.path.join(namespace_dir, NAME))
    # rmtree unlinks the symlink itself and never descends into the clone.
    atexit.register(shutil.rmtree, root, True)
    return root


COLLECTIONS_ROOT = _enclosing_collections_root(COLLECTION_ROOT) or _temporary_collections_root(COLLECTION_ROOT)

if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
if COLLECTION_ROOT not in sys.path:
    sys.path.append(COLLECTION_ROOT)


@pytest.fixture(scope='session')
def collection_root():
    """The collection's own directory (``.../ansible_collections/aliyun/domain`` or the clone)."""
    return COLLECTION_ROOT


@pytest.fixture(scope='session')
def collections_path():
    """A directory holding ``ansible_collections/aliyun/domain``: the value for ANSIBLE_COLLECTIONS_PATH."""
    return COLLECTIONS_ROOT


def _certificate(subject_name, issuer_name, public_key, signing_key, is_ca):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_name)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
               .public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(hours=1))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if not is_ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                                        critical=False)
    return builder.sign(signing_key, hashes.SHA256())


@pytest.fixture(scope='session')
def tls_files(tmp_path_factory):
    """``(ca_path, cert_path, key_path)``: a throw-away CA and a server certificate for 127.0.0.1, signed by it."""
    directory = tmp_path_factory.mktemp('tls')
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate('aliyun.domain test CA', 'aliyun.domain test CA', ca_key.public_key(), ca_key, True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _certificate('127.0.0.1', 'aliyun.domain test CA', server_key.public_key(), ca_key, False)
    ca_path = directory / 'ca.pem'
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path = directory / 'server.pem'
    cert_path.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_path = directory / 'server.key'
    key_path.write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    return str(ca_path), str(cert_path), str(key_path)
