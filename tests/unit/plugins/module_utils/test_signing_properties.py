# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Properties of the RFC 3986 encoder and the canonical query string, for any input."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from urllib.parse import parse_qsl, unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.aliyun.domain.plugins.module_utils import _signing as signing

UNRESERVED = set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~')
# any text a parameter might hold, including surrogate-free non-ASCII and the troublesome ' ', '*', '+', '/', '='
TEXT = st.text(alphabet=st.characters(blacklist_categories=('Cs',)), max_size=40)
PARAMS = st.dictionaries(st.text(alphabet=st.characters(blacklist_categories=('Cs',)), min_size=1, max_size=12), TEXT,
                         max_size=8)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_percent_encode_round_trips_through_unquote(value):
    assert unquote(signing.percent_encode(value), encoding='utf-8', errors='strict') == value


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_percent_encode_leaves_only_unreserved_characters_and_uppercase_escapes(value):
    encoded = signing.percent_encode(value)
    stripped = re.sub('%[0-9A-F]{2}', '', encoded)
    assert set(stripped) <= UNRESERVED
    assert not re.search('%[0-9A-Fa-f]?[a-f]', encoded)
    for char in value:
        if char in UNRESERVED:
            assert char in encoded


def test_the_three_characters_that_differ_from_form_encoding():
    assert signing.percent_encode(' ') == '%20'
    assert signing.percent_encode('*') == '%2A'
    assert signing.percent_encode('~') == '~'
    assert signing.percent_encode('/+=') == '%2F%2B%3D'


@settings(max_examples=200, deadline=None)
@given(PARAMS)
def test_canonical_query_round_trips_and_is_sorted_by_encoded_key(params):
    canonical = signing.canonical_query_string(params)
    pairs = [] if not canonical else [pair.split('=', 1) for pair in canonical.split('&')]
    # no raw separator survives encoding, so splitting on '&' and '=' is exact
    assert all(len(pair) == 2 for pair in pairs)
    assert dict((unquote(k), unquote(v)) for k, v in pairs) == params
    assert [k for k, _v in pairs] == sorted(k for k, _v in pairs)
    assert dict(parse_qsl(canonical, keep_blank_values=True)) == params or any('+' in k + v for k, v in params.items())


@settings(max_examples=100, deadline=None)
@given(PARAMS, st.dictionaries(st.text(min_size=1, max_size=5), st.none(), max_size=3))
def test_none_values_are_dropped_and_order_of_insertion_does_not_matter(params, nones):
    merged = dict(nones)
    merged.update(params)
    reversed_params = dict(reversed(list(params.items())))
    assert signing.canonical_query_string(merged) == signing.canonical_query_string(params)
    assert signing.canonical_query_string(reversed_params) == signing.canonical_query_string(params)


@settings(max_examples=100, deadline=None)
@given(PARAMS, st.text(min_size=1, max_size=20))
def test_v1_signature_depends_on_every_parameter(params, secret):
    params.pop('Signature', None)  # the one parameter that is never signed
    base = signing.v1_signature('POST', params, secret)
    changed = dict(params, ExtraParameter='x')
    assert signing.v1_signature('POST', changed, secret) != base
    assert signing.v1_signature('POST', params, secret) == base
    canonical = signing.canonical_query_string(params)
    assert signing.v1_signature_for_canonical_query('POST', canonical, secret) == base
