# SPDX-License-Identifier: BSD-3-Clause
"""Just enough Exchange ActiveSync for the lab: the Direct Push `Ping` command.

A Ping request names a heartbeat interval (seconds) and the folders to watch; the server
holds it until something changes or the heartbeat expires, then answers 200 with a Ping
Status: 1 means "the heartbeat expired, nothing changed" (MS-ASCMD, Ping Status), 5 "the
heartbeat is out of bounds" with the allowed HeartbeatInterval (Exchange accepts 60 to
3540 s by default: MinHeartbeatInterval / MaxHeartbeatInterval).

Real devices send WBXML (MS-ASWBXML; Ping is code page 13); both WBXML and the equivalent
XML are supported here, the answer uses the request's format. Only the Ping code page is
implemented, and only inline strings (no string table, no opaque data): that is all a
Ping needs.
"""
import re
import xml.etree.ElementTree as ET

WBXML_TYPE = "application/vnd.ms-sync.wbxml"
XML_TYPE = "text/xml"
PATH = "/Microsoft-Server-ActiveSync"
MIN_HEARTBEAT, MAX_HEARTBEAT = 60, 3540

# MS-ASWBXML, code page 13 (Ping).
PING_PAGE = 13
PING_TAGS = {
    0x05: "Ping", 0x06: "AutdState", 0x07: "Status", 0x08: "HeartbeatInterval",
    0x09: "Folders", 0x0A: "Folder", 0x0B: "Id", 0x0C: "Class", 0x0D: "MaxFolders",
}
PING_TOKENS = {name: tok for tok, name in PING_TAGS.items()}

# WBXML global tokens.
SWITCH_PAGE, END, STR_I = 0x00, 0x01, 0x03
WITH_CONTENT = 0x40
# Version 1.3, public id "unknown" (1), charset UTF-8 (IANA 106), empty string table.
HEADER = bytes([0x03, 0x01, 0x6A, 0x00])


def wbxml_encode(node):
    """Encode (tag, text-or-list-of-children) as ActiveSync WBXML on the Ping page."""
    out = bytearray(HEADER)
    out += bytes([SWITCH_PAGE, PING_PAGE])

    def emit(n):
        tag, content = n
        tok = PING_TOKENS[tag]
        if content is None or content == [] or content == "":
            out.append(tok)
            return
        out.append(tok | WITH_CONTENT)
        if isinstance(content, str):
            out.append(STR_I)
            out.extend(content.encode() + b"\0")
        else:
            for kid in content:
                emit(kid)
        out.append(END)

    emit(node)
    return bytes(out)


def wbxml_decode(data):
    """Decode Ping-page WBXML into (tag, text-or-children); ValueError if it is not that."""
    if len(data) < 4 or data[0] != 0x03 or data[2] != 0x6A or data[3] != 0x00:
        raise ValueError("not ActiveSync WBXML (bad header)")
    pos, page = 4, 0

    def node():
        nonlocal pos, page
        while pos < len(data) and data[pos] == SWITCH_PAGE:
            page = data[pos + 1]
            pos += 2
        if pos >= len(data):
            raise ValueError("truncated WBXML")
        tok = data[pos]
        pos += 1
        if page != PING_PAGE or (tok & 0x3F) not in PING_TAGS or tok & 0x80:
            raise ValueError(f"unsupported WBXML token 0x{tok:02x} on page {page}")
        tag = PING_TAGS[tok & 0x3F]
        if not tok & WITH_CONTENT:
            return (tag, None)
        kids, text = [], None
        while True:
            if pos >= len(data):
                raise ValueError("truncated WBXML")
            if data[pos] == END:
                pos += 1
                return (tag, text if text is not None else kids)
            if data[pos] == STR_I:
                end = data.index(0, pos + 1)
                text = data[pos + 1:end].decode()
                pos = end + 1
            else:
                kids.append(node())

    return node()


def xml_encode(node):
    def build(n, parent=None):
        tag, content = n
        el = ET.Element(tag, xmlns="Ping") if parent is None else ET.SubElement(parent, tag)
        if isinstance(content, str):
            el.text = content
        elif content:
            for kid in content:
                build(kid, el)
        return el

    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(build(node))


def xml_decode(data):
    def walk(el):
        tag = re.sub(r"^\{.*\}", "", el.tag)
        kids = list(el)
        return (tag, [walk(k) for k in kids] if kids else (el.text or None))

    return walk(ET.fromstring(data))


def find(node, tag):
    """Text of the first element named tag in the tree, or None."""
    name, content = node
    if name == tag:
        return content if isinstance(content, str) else None
    for kid in content if isinstance(content, list) else []:
        got = find(kid, tag)
        if got is not None:
            return got
    return None


def ping_request(heartbeat, folder_id="5", folder_class="Email"):
    return ("Ping", [("HeartbeatInterval", str(heartbeat)),
                     ("Folders", [("Folder", [("Id", folder_id), ("Class", folder_class)])])])


def ping_response(status, heartbeat=None):
    kids = [("Status", str(status))]
    if heartbeat is not None:
        kids.append(("HeartbeatInterval", str(heartbeat)))
    return ("Ping", kids)


def encode(node, content_type):
    return wbxml_encode(node) if content_type == WBXML_TYPE else xml_encode(node)


def decode(data, content_type):
    if content_type.split(";")[0].strip().lower() == WBXML_TYPE:
        return wbxml_decode(data)
    return xml_decode(data)
