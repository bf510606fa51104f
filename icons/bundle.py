"""Packs the PNGs drawn by generate.py into the extra icon files Tauri's bundlers expect:
icon.ico (Windows; PNG-compressed entries), icon.icns (macOS; PNG entries) and
128x128@2x.png (the HiDPI 128 px icon, i.e. the 256 px drawing). Standard library only.

generate.py calls this after drawing; run it alone with: python3 icons/bundle.py
The outputs are committed next to the PNGs (tauri.conf.json `bundle.icon` lists them).
"""
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# (file, edge in px) for the .ico: Windows picks the nearest size; 256 is the largest allowed.
ICO_ENTRIES = [("32x32.png", 32), ("128x128.png", 128), ("256x256.png", 256)]
# (OSType, file) for the .icns: PNG payloads are valid for all of these types.
ICNS_ENTRIES = [
    ("icp5", "32x32.png"),    # 32x32
    ("ic07", "128x128.png"),  # 128x128
    ("ic08", "256x256.png"),  # 256x256
    ("ic13", "256x256.png"),  # 128x128@2x
    ("ic09", "icon.png"),     # 512x512
    ("ic14", "icon.png"),     # 256x256@2x
]


def read(name):
    with open(os.path.join(HERE, name), "rb") as f:
        return f.read()


def png_size(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def check(name, edge):
    data = read(name)
    if png_size(data) != (edge, edge):
        raise ValueError(f"{name} is {png_size(data)}, expected {edge}x{edge}")
    return data


def ico(path):
    images = [check(name, edge) for name, edge in ICO_ENTRIES]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, payload = b"", b""
    for (name, edge), data in zip(ICO_ENTRIES, images):
        dim = 0 if edge >= 256 else edge  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset + len(payload))
        payload += data
    with open(path, "wb") as f:
        f.write(header + entries + payload)


def icns(path):
    body = b""
    for kind, name in ICNS_ENTRIES:
        data = read(name)
        png_size(data)
        body += kind.encode("ascii") + struct.pack(">I", 8 + len(data)) + data
    with open(path, "wb") as f:
        f.write(b"icns" + struct.pack(">I", 8 + len(body)) + body)


def main():
    check("icon.png", 512)
    ico(os.path.join(HERE, "icon.ico"))
    icns(os.path.join(HERE, "icon.icns"))
    check("256x256.png", 256)
    shutil.copyfile(os.path.join(HERE, "256x256.png"), os.path.join(HERE, "128x128@2x.png"))


if __name__ == "__main__":
    main()
