#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Stretch a capture's idle gaps so that a test records hundreds of seconds in a second:
every gap between two records of at least MIN seconds (default 0.1) becomes
round(gap, 2) * FACTOR + 0.5 seconds (default factor 1000: 0.24 s -> 240.5 s); shorter gaps
(handshakes, round trips, delayed ACKs) stay as they are. The half second keeps every gap
off the round timeouts of the presets. pcap files only (any link type, us or ns).

    stretch.py IN.pcap OUT.pcap [FACTOR] [MIN] [exact]

With "exact", long gaps are only multiplied by FACTOR (no rounding, no half second).
"""
import struct
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    factor = float(sys.argv[3]) if len(sys.argv) > 3 else 1000.0
    low = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
    exact = len(sys.argv) > 5 and sys.argv[5] == "exact"
    data = open(src, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        e = ">"
    else:
        sys.exit(f"stretch.py: {src}: not a pcap file")
    unit = 1e9 if magic in (0xa1b23c4d, 0x4d3cb2a1) else 1e6
    out = bytearray(data[:24])
    o, prev, new_prev = 24, None, None
    while o + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[o:o + 16])
        t = sec + frac / unit
        if prev is None:
            nt = t
        else:
            g = t - prev
            if g < low:
                nt = new_prev + g
            elif exact:
                nt = new_prev + g * factor
            else:
                nt = new_prev + round(g, 2) * factor + 0.5
        prev, new_prev = t, nt
        s = int(nt)
        f = int(round((nt - s) * unit))
        if f >= unit:
            s, f = s + 1, f - int(unit)
        out += struct.pack(e + "IIII", s, f, incl, orig) + data[o + 16:o + 16 + incl]
        o += 16 + incl
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()
