#!/usr/bin/env python3
"""Writes the seed corpora for the fuzz targets: a few tiny valid files of each format.

    python3 fuzz/make_corpus.py      # rewrites fuzz/corpus/idx and fuzz/corpus/safetensors
Standard library only; the outputs are committed, so this runs only when they change.
"""
import gzip
import json
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def safetensors(entries, metadata=None):
    """entries: (name, dtype, shape, raw little-endian bytes), laid out in the given order."""
    header, data, offset = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def write(folder, name, content):
    path = HERE / "corpus" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def main():
    images = idx(0x08, [2, 3, 3], bytes(range(18)))
    write("idx", "u8_images", images)
    write("idx", "u8_images.gz", gzip.compress(images, mtime=0))
    write("idx", "u8_labels", idx(0x08, [5], bytes([0, 9, 3, 3, 7])))
    write("idx", "i8", idx(0x09, [3], bytes([0xFF, 0, 0x7F])))
    write("idx", "i16", idx(0x0B, [2, 2], struct.pack(">4h", -2, 300, 32767, 0)))
    write("idx", "i32", idx(0x0C, [2], struct.pack(">2i", -70000, 5)))
    write("idx", "f32", idx(0x0D, [1, 2], struct.pack(">2f", 1.5, -0.25)))
    write("idx", "f64", idx(0x0E, [1], struct.pack(">d", 3.5)))
    write("idx", "empty", idx(0x08, [0, 28, 28], b""))

    write("safetensors", "f32", safetensors([("w", "F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4))]))
    write("safetensors", "mixed", safetensors(
        [("a", "U8", [3], bytes([1, 2, 3])), ("b", "I64", [1], struct.pack("<q", -7)),
         ("c", "BOOL", [2], bytes([0, 1])), ("d", "F16", [1], struct.pack("<e", 0.5)),
         ("e", "BF16", [1], b"\x80\x3f"), ("f", "F64", [], struct.pack("<d", 2.0)),
         ("g", "I32", [0, 2], b"")],
        metadata={"format": "pt", "epoch": "3"}))
    write("safetensors", "metadata_only", safetensors([], metadata={"k": "v \u00e9"}))
    write("safetensors", "empty", safetensors([]))
    write("safetensors", "escaped_names", safetensors(
        [("x\"\\\u00e9\u20ac", "F32", [1], struct.pack("<f", 1.0))]))


if __name__ == "__main__":
    main()
