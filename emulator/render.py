# -*- coding: utf-8 -*-
# Copyright (c) aliyun.domain contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Answer bodies: JSON, or XML shaped like the service's documentation (lists repeat their element name, or sit in
a wrapper element when the documentation names their items: ``ItemList``)."""

import json
from xml.sax.saxutils import escape

JSON_TYPE = 'application/json;charset=utf-8'
XML_TYPE = 'text/xml;charset=utf-8'


def wants_json(params, headers):
    requested = params.get('Format')
    if requested:
        return requested.lower() == 'json'
    return 'json' in headers.get('accept', '').lower()


class Encoded(dict):
    """A list item that carries its own JSON text, so that answers splice it in instead of encoding it again."""

    __slots__ = ('json',)

    def __init__(self, item):
        super(Encoded, self).__init__(item)
        self.json = json_text(item)


class EncodedText(object):
    """A list item stored as JSON text (the store renders final details once); decoded only for an XML answer."""

    __slots__ = ('json',)

    def __init__(self, text):
        self.json = text

    def decoded(self):
        return json.loads(self.json)


class ItemList(list):
    """A list that JSON shows as a plain array and XML as ``<Name><Item>..</Item>...</Name>``.

    The cursor-paged answers (QueryTaskInfoHistory, QueryTaskDetailHistory) carry ``"Objects": [...]`` in JSON
    (the SDK models) but their documented XML nests each object in an element named after its type:
    ``<Objects><TaskInfoHistory>...</TaskInfoHistory></Objects>``.
    """

    __slots__ = ('item_name',)

    def __init__(self, items, item_name):
        super(ItemList, self).__init__(items)
        self.item_name = item_name


def json_text(value):
    return json.dumps(value, ensure_ascii=False, separators=(',', ':'))


def to_json(body):
    data = body.get('Data') if isinstance(body, dict) else None
    if isinstance(data, dict) and len(data) == 1:
        key, items = next(iter(data.items()))
        if isinstance(items, list) and items and all(isinstance(item, (Encoded, EncodedText)) for item in items):
            placeholder = dict(body)
            placeholder['Data'] = {key: []}
            empty = '"Data":%s' % json_text({key: []})
            text = json_text(placeholder).replace(empty, '"Data":{%s:[%s]}' % (json_text(key), ','.join(item.json for item in items)), 1)
            return text.encode('utf-8')
    return json_text(body).encode('utf-8')


def _scalar(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return escape('%s' % (value,))


def _element(name, value, out):
    if isinstance(value, EncodedText):
        value = value.decoded()
    if isinstance(value, ItemList):
        out.append('<%s>' % name)
        for item in value:
            _element(value.item_name, item, out)
        out.append('</%s>' % name)
    elif isinstance(value, list):
        for item in value:
            _element(name, item, out)
    elif isinstance(value, dict):
        out.append('<%s>' % name)
        for key, item in value.items():
            _element(key, item, out)
        out.append('</%s>' % name)
    elif value is None:
        out.append('<%s/>' % name)
    else:
        out.append('<%s>%s</%s>' % (name, _scalar(value), name))


def to_xml(root, body):
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _element(root, body, out)
    return ''.join(out).encode('utf-8')


def render(body, as_json, root):
    """(bytes, content type) for an answer whose XML root element is ``root``."""
    if as_json:
        return to_json(body), JSON_TYPE
    return to_xml(root, body), XML_TYPE
