# SPDX-License-Identifier: BSD-3-Clause
"""Just enough Exchange ActiveSync for the lab: Direct Push `Ping`, and the commands of a
full resync (`FolderSync`, `Sync`).

A Ping request names a heartbeat interval (seconds) and the folders to watch; the server
holds it until something changes or the heartbeat expires, then answers 200 with a Ping
Status: 1 means "the heartbeat expired, nothing changed" (MS-ASCMD, Ping Status), 5 "the
heartbeat is out of bounds" with the allowed HeartbeatInterval (Exchange accepts 60 to
3540 s by default: MinHeartbeatInterval / MaxHeartbeatInterval).

A device that throws its sync state away starts again from SyncKey 0 (MS-ASCMD, FolderSync
and Sync): FolderSync with SyncKey 0 returns the whole folder hierarchy and a new key; then
per folder a Sync with SyncKey 0 returns the folder's first key (no items), and a Sync with
that key returns every item of the folder again.

Real devices send WBXML (MS-ASWBXML); both WBXML and the equivalent XML are supported here,
the answer uses the request's format. Only the tags the lab uses are in the code pages
below (AirSync 0, Contacts 1, Email 2, Calendar 4, FolderHierarchy 7, Ping 13), and only
inline strings (no string table, no opaque data).

A node is (tag, text | [children] | None). A tag is "Name" (on its parent's code page) or
"Namespace:Name" (switches page), e.g. ("FolderHierarchy:FolderSync", [("SyncKey", "0")]).
Decoding gives local names only ("SyncKey"), which is all `find` needs.
"""
import re
import xml.etree.ElementTree as ET

WBXML_TYPE = "application/vnd.ms-sync.wbxml"
XML_TYPE = "text/xml"
PATH = "/Microsoft-Server-ActiveSync"
MIN_HEARTBEAT, MAX_HEARTBEAT = 60, 3540

# MS-ASWBXML code pages: page -> (namespace, {token: tag}); only the tags used here.
PAGES = {
    0: ("AirSync", {
        0x05: "Sync", 0x06: "Responses", 0x07: "Add", 0x0B: "SyncKey", 0x0D: "ServerId",
        0x0E: "Status", 0x0F: "Collection", 0x10: "Class", 0x12: "CollectionId",
        0x13: "GetChanges", 0x14: "MoreAvailable", 0x15: "WindowSize", 0x16: "Commands",
        0x1C: "Collections", 0x1D: "ApplicationData"}),
    1: ("Contacts", {0x1E: "FileAs", 0x1F: "FirstName", 0x29: "LastName"}),
    2: ("Email", {0x14: "Subject", 0x18: "From", 0x0F: "DateReceived"}),
    4: ("Calendar", {0x26: "Subject", 0x27: "StartTime", 0x12: "EndTime"}),
    7: ("FolderHierarchy", {
        0x07: "DisplayName", 0x08: "ServerId", 0x09: "ParentId", 0x0A: "Type",
        0x0C: "Status", 0x0E: "Changes", 0x0F: "Add", 0x12: "SyncKey", 0x16: "FolderSync",
        0x17: "Count"}),
    13: ("Ping", {
        0x05: "Ping", 0x06: "AutdState", 0x07: "Status", 0x08: "HeartbeatInterval",
        0x09: "Folders", 0x0A: "Folder", 0x0B: "Id", 0x0C: "Class", 0x0D: "MaxFolders"}),
}
PAGE_OF = {ns: page for page, (ns, _) in PAGES.items()}
TOKENS = {page: {tag: tok for tok, tag in tags.items()} for page, (_, tags) in PAGES.items()}
PING_PAGE = 13

# FolderSync folder types (MS-ASCMD, FolderSync Type): the default folders a phone syncs.
FOLDER_TYPES = {2: "Email", 8: "Calendar", 9: "Contacts"}

# WBXML global tokens.
SWITCH_PAGE, END, STR_I = 0x00, 0x01, 0x03
WITH_CONTENT = 0x40
# Version 1.3, public id "unknown" (1), charset UTF-8 (IANA 106), empty string table.
HEADER = bytes([0x03, 0x01, 0x6A, 0x00])


def split_tag(tag, page):
    """(page, local name) of a node tag on its parent's page."""
    if ":" in tag:
        ns, name = tag.split(":", 1)
        if ns not in PAGE_OF:
            raise ValueError(f"unknown ActiveSync namespace {ns}")
        return PAGE_OF[ns], name
    return page, tag


def wbxml_encode(node, page=PING_PAGE):
    """Encode a node tree as ActiveSync WBXML (a bare root tag is on page `page`)."""
    out = bytearray(HEADER)
    cur = None

    def emit(n, page):
        nonlocal cur
        tag, content = n
        page, name = split_tag(tag, page)
        if name not in TOKENS[page]:
            raise ValueError(f"no WBXML token for {name} on page {page}")
        if page != cur:
            out.extend((SWITCH_PAGE, page))
            cur = page
        tok = TOKENS[page][name]
        if content is None or content == [] or content == "":
            out.append(tok)
            return
        out.append(tok | WITH_CONTENT)
        if isinstance(content, str):
            out.append(STR_I)
            out.extend(content.encode() + b"\0")
        else:
            for kid in content:
                emit(kid, page)
        out.append(END)

    emit(node, page)
    return bytes(out)


def wbxml_decode(data):
    """Decode ActiveSync WBXML into (local tag, text-or-children); ValueError if it is not."""
    if len(data) < 4 or data[0] != 0x03 or data[2] != 0x6A or data[3] != 0x00:
        raise ValueError("not ActiveSync WBXML (bad header)")
    pos, page = 4, 0

    def node():
        nonlocal pos, page
        while pos + 1 < len(data) and data[pos] == SWITCH_PAGE:
            page = data[pos + 1]
            pos += 2
        if pos >= len(data):
            raise ValueError("truncated WBXML")
        tok = data[pos]
        pos += 1
        tags = PAGES.get(page, (None, {}))[1]
        if (tok & 0x3F) not in tags or tok & 0x80:
            raise ValueError(f"unsupported WBXML token 0x{tok:02x} on page {page}")
        tag = tags[tok & 0x3F]
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
                try:
                    end = data.index(0, pos + 1)
                except ValueError:
                    raise ValueError("truncated WBXML string") from None
                text = data[pos + 1:end].decode()
                pos = end + 1
            else:
                kids.append(node())

    return node()


def xml_encode(node, page=PING_PAGE):
    """The same tree as XML: each element whose code page differs from its parent's
    declares that namespace (xmlns="Email"), as ActiveSync's XML form does."""
    def build(n, parent, ppage):
        tag, content = n
        pg, name = split_tag(tag, ppage)
        attrs = {"xmlns": PAGES[pg][0]} if parent is None or pg != ppage else {}
        el = ET.Element(name, attrs) if parent is None else ET.SubElement(parent, name, attrs)
        if isinstance(content, str):
            el.text = content
        elif content:
            for kid in content:
                build(kid, el, pg)
        return el

    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(build(node, None, page))


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


def encode(node, content_type, page=PING_PAGE):
    if content_type == WBXML_TYPE:
        return wbxml_encode(node, page)
    return xml_encode(node, page)


def decode(data, content_type):
    if content_type.split(";")[0].strip().lower() == WBXML_TYPE:
        return wbxml_decode(data)
    return xml_decode(data)


def children(node, tag):
    """Every element named tag anywhere below node (depth first)."""
    name, content = node
    out = []
    for kid in content if isinstance(content, list) else []:
        if kid[0] == tag:
            out.append(kid)
        out.extend(children(kid, tag))
    return out


def foldersync_request(synckey):
    return ("FolderHierarchy:FolderSync", [("SyncKey", synckey)])


def foldersync_response(status, synckey, folders=()):
    """folders: (server_id, display_name, type) of the hierarchy (all of it for key 0)."""
    kids = [("Status", str(status))]
    if synckey is not None:
        kids.append(("SyncKey", synckey))
    if folders:
        kids.append(("Changes", [("Count", str(len(folders)))] + [
            ("Add", [("ServerId", sid), ("ParentId", "0"), ("DisplayName", name),
                     ("Type", str(typ))]) for sid, name, typ in folders]))
    return ("FolderHierarchy:FolderSync", kids)


def sync_request(collection_id, synckey, window=512):
    coll = [("SyncKey", synckey), ("CollectionId", collection_id)]
    if synckey != "0":
        # The first Sync of a folder (SyncKey 0) must not ask for changes (MS-ASCMD).
        coll += [("GetChanges", None), ("WindowSize", str(window))]
    return ("AirSync:Sync", [("Collections", [("Collection", coll)])])


def sync_response(collection_id, status, synckey, adds=(), more=False):
    """adds: (server_id, application-data children) of the items sent."""
    coll = [("SyncKey", synckey), ("CollectionId", collection_id), ("Status", str(status))]
    if more:
        coll.append(("MoreAvailable", None))
    if adds:
        coll.append(("Commands", [("Add", [("ServerId", sid), ("ApplicationData", data)])
                                  for sid, data in adds]))
    return ("AirSync:Sync", [("Collections", [("Collection", coll)])])
