#!/usr/bin/env python3
"""The machine code (SASS) that NVIDIA's Vulkan driver made of Silica's pipelines, read from
the plugin's pipeline cache, to see what a shader became: how the driver stages loads,
where it waits, what it spills.

    SILICA_VULKAN_CACHE_DIR=DIR bench_device_matmul --device vulkan ...   # fills DIR
    python3 bench/nv_vulkan_sass.py DIR/vulkan-pipelines-*.bin OUT_DIR [--arch sm_90]

For each program in the cache it writes OUT_DIR/pipelineN.cubin and, where `nvdisasm` is
found (the CUDA toolkit's), OUT_DIR/pipelineN.sass with a count of the memory, barrier and
tensor-core instructions. Needs `zstd` (Debian's zstd package) and `nvcc`; the two halves
can run on different machines (`--no-disasm` here, `nvdisasm -c pipelineN.cubin` there).
The cache does not name its pipelines: SILICA_VULKAN_PIPELINE_STATS=1 prints each new
pipeline's name and "Binary Size", 16 bytes an instruction, to match them by.

The cache's layout is NVIDIA's and undocumented; what this reads was worked out from
driver 580.159.04 (H200) and may change with the driver:
  - the Vulkan pipeline-cache blob holds zstd frames; the programs decompress to blobs
    that start with "NVDA" ("NVDANVVMNVuc");
  - in such a blob the code's size is the 32-bit word at 0x4c and the code starts 8 bytes
    after the 64-bit offset at 0x50: Volta-and-later instructions, 16 bytes each, the
    first usually an S2R, the last ones NOP padding.
nvdisasm takes only ELF cubins with whole functions, so the code is written into the text
section of a template kernel that nvcc compiles with enough instructions to hold it, the
rest of that section filled with NOPs.
"""
import argparse
import collections
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
NOP = struct.pack("<QQ", 0x7918, 0x000FC00000000000)


def programs(cache):
    """The decompressed program blobs of a pipeline-cache file."""
    found, at = [], 0
    while (at := cache.find(ZSTD_MAGIC, at)) >= 0:
        # The cache gives no frame lengths: decompress from each magic to the end of the
        # file. zstd writes the frame and stops with an error at the first bytes after it
        # that are no frame; a magic inside compressed data yields no program and is skipped.
        run = subprocess.run(["zstd", "-d", "-c", "-q"], input=cache[at:], capture_output=True)
        if run.stdout.startswith(b"NVDA"):
            found.append(run.stdout)
        at += len(ZSTD_MAGIC)
    return found


def code_of(blob):
    size = struct.unpack_from("<I", blob, 0x4C)[0]
    start = struct.unpack_from("<Q", blob, 0x50)[0] + 8
    if size % 16 or start + size > len(blob):
        raise ValueError(f"code of {size} bytes at {start:#x} does not fit the {len(blob)}-byte blob")
    return blob[start : start + size]


def template_cubin(instructions, arch, work):
    """A cubin with one kernel of at least `instructions` instructions: (bytes, text offset, size)."""
    src = os.path.join(work, "template.cu")
    with open(src, "w") as f:
        f.write('extern "C" __global__ void code(float* p) {\n  float a = p[threadIdx.x];\n')
        for i in range(instructions + 16):
            f.write(f'  asm volatile("add.f32 %0, %0, {i + 1}.0;" : "+f"(a));\n')
        f.write("  p[threadIdx.x] = a;\n}\n")
    out = os.path.join(work, "template.cubin")
    subprocess.run(["nvcc", f"-arch={arch}", "-cubin", "-o", out, src], check=True)
    elf = open(out, "rb").read()
    shoff = struct.unpack_from("<Q", elf, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    names = sections[shstrndx][4]
    for name, _, _, _, offset, size in sections:
        if elf[names + name :].split(b"\0", 1)[0] == b".text.code":
            return elf, offset, size
    raise RuntimeError("nvcc's cubin has no .text.code section")


def wrap(code, template):
    elf, offset, size = template
    if len(code) > size:
        raise ValueError(f"{len(code)} bytes of code do not fit the template's {size}")
    body = code + NOP * ((size - len(code)) // 16)
    return elf[:offset] + body + elf[offset + size :]


def summary(sass):
    """Counts of the instructions that tell how a GEMM runs (loads, stores, waits, MMAs)."""
    ops = collections.Counter()
    for line in sass.splitlines():
        m = re.match(r"\s*/\*[0-9a-f]+\*/\s+(?:@!?U?P\w+\s+)?([A-Z][A-Z0-9_.]*)", line)
        if m:
            ops[m.group(1)] += 1
    keep = ("LDG", "STG", "LDS", "STS", "LDL", "STL", "LDSM", "BAR", "HMMA", "HGMMA", "LDGSTS", "UTMA")
    return {op: n for op, n in sorted(ops.items()) if op.split(".")[0] in keep}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cache", help="a vulkan-pipelines-*.bin file from SILICA_VULKAN_CACHE_DIR")
    ap.add_argument("out", help="folder for pipelineN.cubin and .sass")
    ap.add_argument("--arch", default="sm_90", help="the GPU's architecture (sm_90: H100, H200)")
    ap.add_argument("--no-disasm", action="store_true", help="write the cubins only")
    args = ap.parse_args()
    for tool in ["zstd", "nvcc"] + ([] if args.no_disasm else ["nvdisasm"]):
        if shutil.which(tool) is None:
            sys.exit(f"nv_vulkan_sass: `{tool}` is not on PATH (zstd: apt-get install zstd; "
                     "nvcc, nvdisasm: the CUDA toolkit's bin folder; or pass --no-disasm)")
    try:
        cache = open(args.cache, "rb").read()
    except OSError as e:
        sys.exit(f"nv_vulkan_sass: cannot read the pipeline cache {args.cache}: {e.strerror}")
    blobs = programs(cache)
    if not blobs:
        sys.exit(f"nv_vulkan_sass: {args.cache} holds no NVIDIA programs (is it a cache that NVIDIA's "
                 "driver wrote, through SILICA_VULKAN_CACHE_DIR?)")
    os.makedirs(args.out, exist_ok=True)
    codes = [code_of(b) for b in blobs]
    with tempfile.TemporaryDirectory() as work:
        template = template_cubin(max(len(c) for c in codes) // 16, args.arch, work)
        for i, code in enumerate(codes):
            cubin = os.path.join(args.out, f"pipeline{i}.cubin")
            with open(cubin, "wb") as f:
                f.write(wrap(code, template))
            line = f"pipeline{i}: {len(code) // 16} instructions -> {cubin}"
            if not args.no_disasm:
                run = subprocess.run(["nvdisasm", "-c", cubin], capture_output=True, text=True)
                if run.returncode != 0 or not run.stdout:
                    line += f"; nvdisasm failed: {run.stderr.strip().splitlines()[:1]}"
                else:
                    with open(cubin[: -len(".cubin")] + ".sass", "w") as f:
                        f.write(run.stdout)
                    line += ", " + " ".join(f"{op} {n}" for op, n in summary(run.stdout).items())
            print(line)


if __name__ == "__main__":
    main()
