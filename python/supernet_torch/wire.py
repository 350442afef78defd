"""Frames between the engine and rank 0.

A frame is a JSON header and a binary payload, each preceded by its length as a
little-endian u32. Tensors travel in the payload, float32 or int32, in the order and shapes
the header lists; nothing in a header is executed or unpickled.
"""

import json
import socket
import struct

import numpy as np

MAX_HEADER = 64 << 20
MAX_PAYLOAD = 4 << 30


class WireError(Exception):
    pass


def _read_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise WireError("the engine closed the connection")
        got += k
    return bytes(buf)


def read_frame(sock: socket.socket):
    (hlen,) = struct.unpack("<I", _read_exact(sock, 4))
    if hlen > MAX_HEADER:
        raise WireError(f"header of {hlen} bytes is over the limit")
    header = json.loads(_read_exact(sock, hlen).decode("utf-8"))
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise WireError("a frame's header must be an object with a type")
    (plen,) = struct.unpack("<I", _read_exact(sock, 4))
    if plen > MAX_PAYLOAD:
        raise WireError(f"payload of {plen} bytes is over the limit")
    return header, _read_exact(sock, plen) if plen else b""


def write_frame(sock: socket.socket, header: dict, payload: bytes = b"") -> None:
    h = json.dumps(header).encode("utf-8")
    sock.sendall(struct.pack("<I", len(h)) + h + struct.pack("<I", len(payload)))
    if payload:
        sock.sendall(payload)


def unpack_tensors(entries, payload: bytes, offset: int = 0):
    """`entries`: [{name, shape, dtype?}]; returns {name: np.ndarray} and the end offset."""
    out = {}
    for e in entries:
        dtype = np.int32 if e.get("dtype") == "int32" else np.float32
        count = 1
        for d in e["shape"]:
            if not isinstance(d, int) or d < 0:
                raise WireError(f"bad shape for {e['name']}: {e['shape']}")
            count *= d
        nbytes = count * 4
        if offset + nbytes > len(payload):
            raise WireError(f"payload too short for {e['name']}")
        out[e["name"]] = np.frombuffer(payload, dtype=dtype, count=count, offset=offset).reshape(
            e["shape"]
        )
        offset += nbytes
    return out, offset


def pack_tensors(named):
    """[(name, np.ndarray float32)] → (entries, payload)."""
    entries = []
    chunks = []
    for name, arr in named:
        a = np.ascontiguousarray(arr, dtype=np.float32)
        entries.append({"name": name, "shape": list(a.shape)})
        chunks.append(a.tobytes())
    return entries, b"".join(chunks)
