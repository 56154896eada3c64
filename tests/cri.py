"""A tiny CRI client for the tests: gRPC (grpcio) over a runtime's unix socket, with the few protobuf
messages it needs encoded and decoded by hand (field numbers from k8s.io/cri-api api.proto v0.36).

Independent of verify.sh (which speaks the same protocol through curl), so a test can check what a
running runtime reports without trusting the script under test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import grpc

SERVICE = "/runtime.v1.RuntimeService/"
IMAGES = "/runtime.v1.ImageService/"
CGROUP_DRIVERS = {0: "systemd", 1: "cgroupfs"}  # LinuxRuntimeConfiguration.CgroupDriver enum


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def _field(num: int, value: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    out, n = bytes([num << 3 | 2]), len(value)
    while n > 0x7F:
        out += bytes([n & 0x7F | 0x80])
        n >>= 7
    return out + bytes([n]) + value


def fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) of a protobuf message: ints for varints, bytes for length-delimited."""
    out, i = [], 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        elif wire == 1:
            value, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        else:
            raise ValueError(f"wire type {wire}")
        out.append((num, value))
    return out


@dataclass
class Status:
    conditions: dict[str, bool] = field(default_factory=dict)  # RuntimeReady, NetworkReady
    info: dict[str, str] = field(default_factory=dict)

    def config(self) -> dict:
        return json.loads(self.info.get("config", "{}"))


class Client:
    def __init__(self, socket_path: str):
        self.channel = grpc.insecure_channel(f"unix://{socket_path}")

    def _call(self, method: str, request: bytes = b"", timeout: float = 10, service: str = SERVICE) -> bytes:
        fn = self.channel.unary_unary(service + method, request_serializer=lambda b: b,
                                      response_deserializer=lambda b: b)
        return fn(request, timeout=timeout)

    def pull(self, image: str, timeout: float = 60) -> str:
        """PullImage{image: ImageSpec{image}}; returns the image ref, raises grpc.RpcError on failure."""
        spec = _field(1, image.encode())
        return dict(fields(self._call("PullImage", _field(1, spec), timeout, IMAGES))).get(1, b"").decode()

    def image_id(self, image: str) -> str:
        """ImageStatus{image: ImageSpec{image}} -> the image's id, "" when the runtime has no such image
        (the call keadm join makes to decide whether to pull)."""
        reply = dict(fields(self._call("ImageStatus", _field(1, _field(1, image.encode())), service=IMAGES)))
        return dict(fields(reply[1])).get(1, b"").decode() if 1 in reply else ""

    def version(self) -> dict[str, str]:
        names = {1: "version", 2: "runtime_name", 3: "runtime_version", 4: "runtime_api_version"}
        return {names[n]: v.decode() for n, v in fields(self._call("Version")) if n in names}

    def status(self) -> Status:
        out = Status()
        for num, value in fields(self._call("Status", b"\x08\x01")):  # verbose = true
            if num == 1:  # RuntimeStatus { repeated RuntimeCondition conditions = 1 }
                for _, cond in fields(value):
                    c = dict(fields(cond))  # type = 1, status = 2
                    out.conditions[c.get(1, b"").decode()] = bool(c.get(2, 0))
            elif num == 2:  # map<string, string> info
                entry = dict(fields(value))
                out.info[entry.get(1, b"").decode()] = entry.get(2, b"").decode()
        return out

    def cgroup_driver(self) -> str:
        """RuntimeConfig (containerd >= 2.0, CRI-O, cri-dockerd >= 0.3.17)."""
        linux = dict(fields(self._call("RuntimeConfig"))).get(1, b"")
        return CGROUP_DRIVERS[dict(fields(linux)).get(1, 0)]

    def close(self) -> None:
        self.channel.close()
