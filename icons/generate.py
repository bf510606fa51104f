"""Draws Switchyard's app and tray icons (no dependencies beyond the standard library).

Three tray states share one glyph, two rails joined by a switch, on a rounded square whose
colour carries the state: running (green), stopped (grey), degraded (amber).
Run: python3 icons/generate.py (also packs icon.ico, icon.icns and 128x128@2x.png via bundle.py)
"""
import os
import struct
import sys
import zlib

sys.dont_write_bytecode = True  # no icons/__pycache__ next to the committed files
import bundle  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STATES = {"running": (34, 160, 90), "stopped": (120, 124, 130), "degraded": (222, 150, 20)}
APP = (40, 90, 200)


def png(path, size, colour):
    rows = []
    r = size * 0.22
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            row += bytes(pixel(x + 0.5, y + 0.5, size, r, colour))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def pixel(x, y, size, r, colour):
    # Rounded-square mask.
    dx = max(r - x, 0, x - (size - r))
    dy = max(r - y, 0, y - (size - r))
    if dx * dx + dy * dy > r * r:
        return (0, 0, 0, 0)
    u, v = x / size, y / size
    w = 0.07
    rail_a = abs(v - 0.32) < w / 2 and 0.18 < u < 0.82
    rail_b = abs(v - 0.68) < w / 2 and 0.18 < u < 0.82
    # The switch: a diagonal joining the rails.
    diag = abs((v - 0.32) - (u - 0.34) * (0.36 / 0.32)) < w * 0.75 and 0.30 < u < 0.70
    if rail_a or rail_b or diag:
        return (255, 255, 255, 255)
    return (*colour, 255)


def main():
    for size in (32, 128, 256):
        png(os.path.join(HERE, f"{size}x{size}.png"), size, APP)
    png(os.path.join(HERE, "icon.png"), 512, APP)
    for state, colour in STATES.items():
        png(os.path.join(HERE, f"tray-{state}.png"), 64, colour)
    bundle.main()


if __name__ == "__main__":
    main()
