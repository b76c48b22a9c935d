"""A minimal MaxMind DB (format 2.0) writer for the integration tests, written from the
public format specification: an IPv6 search tree with 32-bit records (IPv4 networks under
::/96), a data section with one record per network, and the metadata map. Networks are
inserted shortest prefix first, so a longer one nested in a shorter one takes its part of
the range. Values: dict (map), str (UTF-8 string), float (double), int (uint32, or uint16 /
uint64 when wrapped in U16 / U64), bool, list (array). Python 3 stdlib only."""

import ipaddress
import struct


class U16(int):
    pass


class U64(int):
    pass


def _ctrl(t, size):
    if size < 29:
        b, ext = size, b""
    elif size < 285:
        b, ext = 29, bytes([size - 29])
    elif size < 65821:
        b, ext = 30, (size - 285).to_bytes(2, "big")
    else:
        b, ext = 31, (size - 65821).to_bytes(3, "big")
    if t <= 7:
        return bytes([t << 5 | b]) + ext
    return bytes([b, t - 7]) + ext


def _uint(t, v):
    raw = v.to_bytes(8, "big").lstrip(b"\0")
    return _ctrl(t, len(raw)) + raw


def encode(v):
    if isinstance(v, bool):
        return _ctrl(14, 1 if v else 0)
    if isinstance(v, U16):
        return _uint(5, int(v))
    if isinstance(v, U64):
        return _uint(9, int(v))
    if isinstance(v, int):
        return _uint(6 if v < 2 ** 32 else 9, v)
    if isinstance(v, float):
        return _ctrl(3, 8) + struct.pack(">d", v)
    if isinstance(v, str):
        raw = v.encode()
        return _ctrl(2, len(raw)) + raw
    if isinstance(v, dict):
        return _ctrl(7, len(v)) + b"".join(encode(k) + encode(x) for k, x in v.items())
    if isinstance(v, list):
        return _ctrl(11, len(v)) + b"".join(encode(x) for x in v)
    raise TypeError(type(v))


def write(path, networks, db_type="GeoIP2-City"):
    """networks: {cidr: record}. Writes the file in one go (callers rename it into place)."""
    data = b""
    nets = []
    for cidr, rec in networks.items():
        n = ipaddress.ip_network(cidr)
        if n.version == 4:
            key, bits = int(n.network_address), 96 + n.prefixlen
        else:
            key, bits = int(n.network_address), n.prefixlen
        nets.append((bits, key, len(data)))
        data += encode(rec)
    nets.sort(key=lambda x: x[0])
    # records: ("e",), ("n", index), ("d", offset)
    nodes = [[("e",), ("e",)]]
    for bits, key, off in nets:
        at = 0
        for d in range(bits):
            b = key >> (127 - d) & 1
            if d == bits - 1:
                nodes[at][b] = ("d", off)
                break
            if nodes[at][b][0] != "n":
                old = nodes[at][b]
                nodes.append([old, old])
                nodes[at][b] = ("n", len(nodes) - 1)
            at = nodes[at][b][1]
    count = len(nodes)

    def rec(r):
        return r[1] if r[0] == "n" else count + 16 + r[1] if r[0] == "d" else count

    tree = b"".join(struct.pack(">II", rec(a), rec(b)) for a, b in nodes)
    meta = {
        "node_count": count, "record_size": U16(32), "ip_version": U16(6),
        "database_type": db_type, "languages": ["en"],
        "binary_format_major_version": U16(2), "binary_format_minor_version": U16(0),
        "build_epoch": U64(1700000000), "description": {"en": "ward test database"},
    }
    with open(path, "wb") as f:
        f.write(tree + b"\0" * 16 + data + b"\xab\xcd\xefMaxMind.com" + encode(meta))


def city(name, cc, country, continent, lat, lon, tz, postal=None, region=None, metro=None):
    """A City-shaped record."""
    r = {"city": {"names": {"en": name}}, "continent": {"code": continent},
         "country": {"iso_code": cc, "names": {"en": country}},
         "location": {"latitude": float(lat), "longitude": float(lon), "time_zone": tz}}
    if metro:
        r["location"]["metro_code"] = U16(metro)
    if postal:
        r["postal"] = {"code": postal}
    if region:
        r["subdivisions"] = [{"iso_code": region}]
    return r


def asn(number, org):
    """An ASN-shaped record."""
    return {"autonomous_system_number": number, "autonomous_system_organization": org}
