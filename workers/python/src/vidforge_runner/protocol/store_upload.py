"""Uploading a result straight to the object store through the presigned PUT of the claim
(docs/runner-protocol.md, "Upload to the object store"). The URL carries its own signature: no runner
token is sent, the signed headers go exactly as given, the file is streamed with its Content-Length,
and redirects are not followed (a streamed body cannot be sent twice)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import requests

from ..errors import ProtocolError
from .models import OutputUpload

# Headers the runner sets itself; a server naming them in `headers` is ignored for them.
OWN_HEADERS = {"content-length", "host", "authorization", "transfer-encoding", "connection"}
# An upload URL this close to its expiry is not tried (clocks differ a little): the API is.
EXPIRY_MARGIN_S = 5.0
_CODE = re.compile(rb"<Code>([^<]{1,64})</Code>")


def usable_upload(upload: OutputUpload | None, now_s: float | None = None) -> OutputUpload | None:
    """The claim's upload URL when it can be tried: present, http(s), not about to expire."""
    if upload is None:
        return None
    now = time.time() if now_s is None else now_s
    if upload.expiresAt / 1000 <= now + EXPIRY_MARGIN_S:
        return None
    parts = urlsplit(upload.url)
    return upload if parts.scheme in ("http", "https") and parts.hostname else None


def put_to_store(
    session: requests.Session, upload: OutputUpload, path: Path, timeout_s: float
) -> Literal["stored", "already-stored"]:
    """One PUT of the file. A 412 (the signed If-None-Match: * met an object) means an earlier PUT
    of this file arrived but its answer did not: the object is there. Anything else that is not 2xx
    is a ProtocolError: STORE_REFUSED for the store's answer (transient when 5xx), NETWORK_ERROR or
    TIMEOUT when there was none."""
    size = path.stat().st_size
    headers = {k: v for k, v in upload.headers.items() if k.lower() not in OWN_HEADERS}
    headers["Content-Length"] = str(size)
    try:
        with path.open("rb") as stream:
            response = session.put(
                upload.url, data=stream, headers=headers, timeout=(10.0, timeout_s), allow_redirects=False
            )
        # The store's error is XML; a few KiB of it say enough (its <Code>).
        head = response.content[:65536]
    except requests.Timeout as error:
        raise ProtocolError("TIMEOUT", f"the upload to the object store took over {timeout_s:.0f} s") from error
    except requests.RequestException as error:
        raise ProtocolError(
            "NETWORK_ERROR", f"the upload to the object store failed: {type(error).__name__}"
        ) from error
    if 200 <= response.status_code < 300:
        return "stored"
    if response.status_code == 412:
        return "already-stored"
    found = _CODE.search(head)
    code = f" {found.group(1).decode('ascii', 'replace')}" if found else ""
    raise ProtocolError(
        "STORE_REFUSED",
        f"the object store refused the upload: HTTP {response.status_code}{code}",
        status=response.status_code,
    )
