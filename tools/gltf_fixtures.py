#!/usr/bin/env python3
"""Makes Tests/Fixtures/gltf/: glTF 2.0 files with KHR_gaussian_splatting written by an independent
writer, pygltflib (PyPI, MIT), from Tests/Fixtures/compressed/source.ply (1000 Gaussians, SH degree 3,
itself written by gsply; read here by gsply).

  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install gsply==0.4.6 pygltflib==1.16.5
  /tmp/venv/bin/python tools/gltf_fixtures.py

The glTF container (JSON, GLB chunks, buffers, accessors, buffer views, data URIs) is pygltflib's;
the attribute semantics follow the KHR_gaussian_splatting specification: POSITION, ROTATION (x, y,
z, w), SCALE (linear), OPACITY (activated), SH_DEGREE_l_COEF_n. glTF is +Y up: the script turns the
PLY's y-down data a half turn about x (positions and quaternion y, z negated, SH coefficients odd
in y and z negated) before writing, so that a correct reader turning it back sees source.ply.

Files:
  nodes.glb      the Gaussians under two nested nodes (parent: translation; child: rotation and
                 uniform scale, see NODE_* below); ROTATION as normalized signed shorts, OPACITY as
                 normalized unsigned bytes, POSITION and SCALE interleaved in one buffer view
                 (byteStride 24, SCALE at byteOffset 12).
  plain.gltf     float attributes, no transform, buffer in plain.bin beside it.
  datauri.gltf   the first 20 Gaussians, float attributes, the buffer as a base64 data URI.
  logscale.glb   the first 50 Gaussians with log-space scales (as early exporters wrote them).
  spz.glb        KHR_gaussian_splatting_compression_spz_2: ../compressed/gsply-v3.spz in a buffer
                 view, accessors without buffer views.

With --check DIR it instead reads DIR/ours.glb (made by `splat4d convert
Tests/Fixtures/compressed/source.ply --output DIR/ours.glb`) with pygltflib and compares every
attribute with source.ply in glTF axes.
"""
import sys
import base64
import math
import struct
from pathlib import Path

import gsply
import numpy as np
import pygltflib as g

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/Fixtures/gltf"
EXT = "KHR_gaussian_splatting"
SH_FLIP = np.array([1, -1, -1, 1, -1, 1, 1, -1, 1, -1, 1, -1, -1, 1, -1, 1], dtype=np.float32)
# The nested nodes of nodes.glb (glTF axes): parent translation, child rotation (x, y, z, w) and scale.
NODE_TRANSLATION = [0.5, -0.25, 1.0]
NODE_ROTATION_AXIS_ANGLE = ([1.0, 2.0, 0.5], 40.0)
NODE_SCALE = 1.5


def source_in_gltf_axes():
    d = gsply.plyread(str(ROOT / "Tests/Fixtures/compressed/source.ply"))
    means = (d.means * np.array([1, -1, -1], dtype=np.float32)).astype(np.float32)
    wxyz = d.quats / np.linalg.norm(d.quats, axis=1, keepdims=True)
    xyzw = np.stack([wxyz[:, 1], -wxyz[:, 2], -wxyz[:, 3], wxyz[:, 0]], axis=1).astype(np.float32)
    scales = np.exp(d.scales).astype(np.float32)
    opacity = (1 / (1 + np.exp(-d.opacities))).astype(np.float32).reshape(-1)
    sh = np.concatenate([d.sh0[:, None, :], d.shN], axis=1)  # N × 16 × 3
    sh = (sh * SH_FLIP[:, None]).astype(np.float32)
    return means, xyzw, scales, opacity, sh


class Builder:
    def __init__(self):
        self.blob = bytearray()
        self.gltf = g.GLTF2(asset=g.Asset(version="2.0", generator="pygltflib fixture script"),
                            extensionsUsed=[EXT])

    def view(self, data, stride=None):
        while len(self.blob) % 4:
            self.blob.append(0)
        self.gltf.bufferViews.append(g.BufferView(buffer=0, byteOffset=len(self.blob), byteLength=len(data), byteStride=stride))
        self.blob += data
        return len(self.gltf.bufferViews) - 1

    def accessor(self, view, component, count, kind, offset=0, normalized=False, bounds=None):
        a = g.Accessor(bufferView=view, byteOffset=offset, componentType=component, count=count, type=kind,
                       normalized=normalized or None)
        if bounds is not None:
            a.min, a.max = [float(v) for v in bounds.min(axis=0)], [float(v) for v in bounds.max(axis=0)]
        self.gltf.accessors.append(a)
        return len(self.gltf.accessors) - 1

    def float_attribute(self, array, kind, bounds=False):
        array = np.ascontiguousarray(array, dtype=np.float32)
        return self.accessor(self.view(array.tobytes()), g.FLOAT, len(array), kind, bounds=array if bounds else None)

    def sh_attributes(self, sh, attributes):
        for coefficient in range(sh.shape[1]):
            degree = int(math.isqrt(coefficient))
            attributes[f"{EXT}:SH_DEGREE_{degree}_COEF_{coefficient - degree * degree}"] = self.float_attribute(sh[:, coefficient], "VEC3")

    def finish(self, attributes, nodes=None, extension=None):
        primitive = g.Primitive(attributes=g.Attributes(), mode=g.POINTS,
                                extensions={EXT: extension or {"kernel": "ellipse", "colorSpace": "srgb_rec709_display"}})
        primitive.attributes = attributes  # pygltflib takes a plain dict for custom semantics
        self.gltf.meshes.append(g.Mesh(primitives=[primitive]))
        self.gltf.nodes = nodes or [g.Node(mesh=0)]
        self.gltf.scenes = [g.Scene(nodes=[0])]
        self.gltf.scene = 0
        while len(self.blob) % 4:
            self.blob.append(0)
        self.gltf.buffers = [g.Buffer(byteLength=len(self.blob))]
        return self.gltf


def float_file(means, xyzw, scales, opacity, sh):
    b = Builder()
    attributes = {"POSITION": b.float_attribute(means, "VEC3", bounds=True),
                  f"{EXT}:ROTATION": b.float_attribute(xyzw, "VEC4"),
                  f"{EXT}:SCALE": b.float_attribute(scales, "VEC3"),
                  f"{EXT}:OPACITY": b.float_attribute(opacity, "SCALAR")}
    b.sh_attributes(sh, attributes)
    return b.finish(attributes), bytes(b.blob)


def make():
    OUT.mkdir(parents=True, exist_ok=True)
    means, xyzw, scales, opacity, sh = source_in_gltf_axes()
    n = len(means)

    # nodes.glb: interleaved POSITION+SCALE, quantised ROTATION and OPACITY, nested nodes.
    b = Builder()
    interleaved = np.concatenate([means, scales], axis=1).astype(np.float32)
    view = b.view(interleaved.tobytes(), stride=24)
    rot16 = np.round(np.clip(xyzw, -1, 1) * 32767).astype(np.int16)
    op8 = np.round(np.clip(opacity, 0, 1) * 255).astype(np.uint8)
    attributes = {"POSITION": b.accessor(view, g.FLOAT, n, "VEC3", bounds=means),
                  f"{EXT}:SCALE": b.accessor(view, g.FLOAT, n, "VEC3", offset=12),
                  f"{EXT}:ROTATION": b.accessor(b.view(rot16.tobytes()), g.SHORT, n, "VEC4", normalized=True),
                  f"{EXT}:OPACITY": b.accessor(b.view(op8.tobytes()), g.UNSIGNED_BYTE, n, "SCALAR", normalized=True)}
    b.sh_attributes(sh, attributes)
    axis, degrees = NODE_ROTATION_AXIS_ANGLE
    axis = np.array(axis) / np.linalg.norm(axis)
    half = math.radians(degrees) / 2
    rotation = [*(axis * math.sin(half)), math.cos(half)]
    nodes = [g.Node(translation=NODE_TRANSLATION, children=[1]),
             g.Node(mesh=0, rotation=[float(v) for v in rotation], scale=[NODE_SCALE] * 3)]
    gltf = b.finish(attributes, nodes=nodes)
    gltf.set_binary_blob(bytes(b.blob))
    gltf.save_binary(str(OUT / "nodes.glb"))

    # plain.gltf + plain.bin
    gltf, blob = float_file(means, xyzw, scales, opacity, sh)
    gltf.buffers[0].uri = "plain.bin"
    (OUT / "plain.bin").write_bytes(blob)
    gltf.save_json(str(OUT / "plain.gltf"))

    # datauri.gltf
    gltf, blob = float_file(means[:20], xyzw[:20], scales[:20], opacity[:20], sh[:20])
    gltf.buffers[0].uri = "data:application/octet-stream;base64," + base64.b64encode(blob).decode()
    gltf.save_json(str(OUT / "datauri.gltf"))

    # logscale.glb
    gltf, blob = float_file(means[:50], xyzw[:50], np.log(scales[:50]), opacity[:50], sh[:50])
    gltf.set_binary_blob(blob)
    gltf.save_binary(str(OUT / "logscale.glb"))

    # spz.glb: the SPZ stream in a buffer view; accessors carry only counts and types.
    b = Builder()
    b.gltf.extensionsUsed = [EXT, "KHR_gaussian_splatting_compression_spz_2"]
    b.gltf.extensionsRequired = ["KHR_gaussian_splatting_compression_spz_2"]
    spz_view = b.view((ROOT / "Tests/Fixtures/compressed/gsply-v3.spz").read_bytes())
    attributes = {}
    for name, kind in [("POSITION", "VEC3"), (f"{EXT}:ROTATION", "VEC4"), (f"{EXT}:SCALE", "VEC3"), (f"{EXT}:OPACITY", "SCALAR")]:
        b.gltf.accessors.append(g.Accessor(componentType=g.FLOAT, count=n, type=kind))
        attributes[name] = len(b.gltf.accessors) - 1
    gltf = b.finish(attributes, extension={"kernel": "ellipse", "colorSpace": "srgb_rec709_display",
                                           "extensions": {"KHR_gaussian_splatting_compression_spz_2": {"bufferView": spz_view}}})
    gltf.set_binary_blob(bytes(b.blob))
    gltf.save_binary(str(OUT / "spz.glb"))
    for f in sorted(OUT.iterdir()):
        print(f.name, f.stat().st_size)


def check(folder):
    gltf = g.GLTF2().load_binary(str(Path(folder) / "ours.glb"))
    blob = gltf.binary_blob()
    attributes = gltf.meshes[0].primitives[0].attributes
    attributes = attributes if isinstance(attributes, dict) else attributes.__dict__

    def read(name, width):
        accessor = gltf.accessors[attributes[name]]
        view = gltf.bufferViews[accessor.bufferView]
        start = (view.byteOffset or 0) + (accessor.byteOffset or 0)
        assert accessor.componentType == g.FLOAT
        return np.frombuffer(blob, dtype=np.float32, count=accessor.count * width, offset=start).reshape(-1, width)

    means, xyzw, scales, opacity, sh = source_in_gltf_axes()
    assert gltf.meshes[0].primitives[0].mode == g.POINTS
    assert np.abs(read("POSITION", 3) - means).max() < 1e-6, "positions"
    q = read(f"{EXT}:ROTATION", 4)
    assert (np.abs(np.abs((q * xyzw).sum(axis=1)) - 1) < 1e-5).all(), "rotations"
    assert np.abs(read(f"{EXT}:SCALE", 3) / scales - 1).max() < 1e-5, "scales"
    assert np.abs(read(f"{EXT}:OPACITY", 1).reshape(-1) - opacity).max() < 1e-5, "opacities"
    for coefficient in range(16):
        degree = int(math.isqrt(coefficient))
        values = read(f"{EXT}:SH_DEGREE_{degree}_COEF_{coefficient - degree * degree}", 3)
        assert np.abs(values - sh[:, coefficient]).max() < 1e-6, f"SH {coefficient}"
    print("pygltflib reads our GLB: every attribute matches source.ply in glTF axes")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        make()
