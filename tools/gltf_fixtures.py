#!/usr/bin/env python3
"""Makes Tests/Fixtures/gltf/: glTF 2.0 files with KHR_gaussian_splatting written by an independent
writer, pygltflib (PyPI, MIT), from the first 200 Gaussians of Tests/Fixtures/compressed/source.ply.

  pip install pygltflib==1.16.5 numpy
  python3 tools/gltf_fixtures.py

Facts used (Khronos KHR_gaussian_splatting README): attributes POSITION, KHR_gaussian_splatting:
ROTATION (x, y, z, w), :SCALE (linear), :OPACITY (0..1), :SH_DEGREE_l_COEF_n (RGB, m = -l..l, degree 0
is the 3DGS f_dc); glTF axes are right-handed +Y up +Z forward-facing, so the PLY's right-down-forward
data is turned a half turn about x (positions and quaternion y, z negated, SH coefficients odd in y and
z negated). The script also writes, as 3DGS PLYs in Splat4D's axes, what each file must load as
(`*-expected.ply`): the dequantised values for the quantised file, the node transforms applied for
the transformed one; the tests compare the reader's output with them.
"""
import base64
import struct
from pathlib import Path

import numpy as np
import pygltflib as g

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "Tests/Fixtures/compressed/source.ply"
OUT = ROOT / "Tests/Fixtures/gltf"
COUNT = 200
EXT = "KHR_gaussian_splatting"
# Sign of each SH basis function (3DGS order, coefficient 1..15) under (x, y, z) -> (x, -y, -z).
SH_FLIP = np.array([-1, -1, 1, -1, 1, 1, -1, 1, -1, 1, -1, -1, 1, -1, 1], dtype=np.float32)


def read_ply(path):
    data = path.read_bytes()
    end = data.index(b"end_header\n") + len(b"end_header\n")
    names = [line.split()[-1].decode() for line in data[:end].splitlines() if line.startswith(b"property")]
    count = int([line for line in data[:end].splitlines() if line.startswith(b"element vertex")][0].split()[-1])
    rows = np.frombuffer(data[end:], dtype=np.float32, count=count * len(names)).reshape(count, len(names))
    return {n: rows[:COUNT, i].copy() for i, n in enumerate(names)}


def activated(ply, degree):
    """Splat4D-axis arrays: positions, linear scales, unit quaternions (w, x, y, z), opacity, SH (n, k, 3)."""
    pos = np.stack([ply["x"], ply["y"], ply["z"]], 1)
    scale = np.exp(np.stack([ply[f"scale_{i}"] for i in range(3)], 1))
    quat = np.stack([ply[f"rot_{i}"] for i in range(4)], 1)
    quat /= np.linalg.norm(quat, axis=1, keepdims=True)
    opacity = 1 / (1 + np.exp(-ply["opacity"]))
    k = (degree + 1) ** 2
    dc = np.stack([ply[f"f_dc_{c}"] for c in range(3)], 1)[:, None, :]
    rest = np.stack([ply[f"f_rest_{i}"] for i in range(45)], 1).reshape(-1, 3, 15).transpose(0, 2, 1)
    sh = np.concatenate([dc, rest[:, : k - 1, :]], 1)
    return pos, scale, quat, opacity, sh


def to_gltf_axes(pos, quat, sh):
    flip = np.array([1, -1, -1], dtype=np.float32)
    q = quat * np.array([1, 1, -1, -1], dtype=np.float32)
    xyzw = np.concatenate([q[:, 1:], q[:, :1]], 1)
    sh = sh.copy()
    sh[:, 1:, :] *= SH_FLIP[: sh.shape[1] - 1, None]
    return pos * flip, xyzw, sh


def write_ply(path, pos, scale, quat, opacity, sh):
    """A 3DGS PLY (log scales, logit opacity, f_rest channel-major) in Splat4D's axes."""
    n, k = len(pos), sh.shape[1]
    cols = [pos, sh[:, 0, :], sh[:, 1:, :].transpose(0, 2, 1).reshape(n, -1),
            np.log(1 / np.clip(opacity, 1e-7, 1 - 1e-7) - 1)[:, None] * -1, np.log(scale), quat]
    names = ["x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2"] + [f"f_rest_{i}" for i in range(3 * (k - 1))] \
        + ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
    body = np.concatenate(cols, 1).astype("<f4")
    header = "ply\nformat binary_little_endian 1.0\nelement vertex %d\n" % n
    header += "".join(f"property float {name}\n" for name in names) + "end_header\n"
    path.write_bytes(header.encode() + body.tobytes())


class Builder:
    """One glTF document: a buffer of byte blobs, a view and an accessor per attribute."""

    def __init__(self):
        self.gltf = g.GLTF2(asset=g.Asset(generator="tools/gltf_fixtures.py with pygltflib"), extensionsUsed=[EXT])
        self.blob = bytearray()

    def view(self, data, stride=None):
        while len(self.blob) % 4:
            self.blob.append(0)
        self.gltf.bufferViews.append(g.BufferView(buffer=0, byteOffset=len(self.blob), byteLength=len(data), byteStride=stride))
        self.blob += data
        return len(self.gltf.bufferViews) - 1

    def accessor(self, view, count, kind, component, normalized=False, offset=0):
        self.gltf.accessors.append(g.Accessor(bufferView=view, byteOffset=offset, componentType=component, count=count,
                                              type=kind, normalized=normalized or None))
        return len(self.gltf.accessors) - 1

    def floats(self, array, kind):
        array = np.ascontiguousarray(array, dtype="<f4")
        return self.accessor(self.view(array.tobytes()), len(array), kind, g.FLOAT)

    def mesh(self, attributes):
        primitive = g.Primitive(attributes=g.Attributes(), mode=g.POINTS,
                                extensions={EXT: {"kernel": "ellipse", "colorSpace": "srgb_rec709_display"}})
        for name, index in attributes.items():
            setattr(primitive.attributes, name, index)
        self.gltf.meshes.append(g.Mesh(primitives=[primitive]))
        return len(self.gltf.meshes) - 1

    def sh(self, sh):
        out = {}
        for c in range(sh.shape[1]):
            degree = int(np.sqrt(c))
            out[f"{EXT}:SH_DEGREE_{degree}_COEF_{c - degree * degree}"] = self.floats(sh[:, c, :], g.VEC3)
        return out

    def finish(self, nodes, roots, uri=None):
        self.gltf.nodes = nodes
        self.gltf.scenes = [g.Scene(nodes=roots)]
        self.gltf.scene = 0
        self.gltf.buffers = [g.Buffer(byteLength=len(self.blob), uri=uri)]
        return self.gltf


def float_glb(ply):
    pos, scale, quat, opacity, sh = activated(ply, 3)
    gpos, xyzw, gsh = to_gltf_axes(pos, quat, sh)
    b = Builder()
    attributes = {"POSITION": b.floats(gpos, g.VEC3), f"{EXT}:ROTATION": b.floats(xyzw, g.VEC4),
                  f"{EXT}:SCALE": b.floats(scale, g.VEC3), f"{EXT}:OPACITY": b.floats(opacity, g.SCALAR)}
    attributes.update(b.sh(gsh))
    gltf = b.finish([g.Node(mesh=b.mesh(attributes))], [0])
    gltf.set_binary_blob(bytes(b.blob))
    gltf.save_binary(str(OUT / "float.glb"))
    write_ply(OUT / "float-expected.ply", pos, scale, quat, opacity, sh)


def quantized_gltf(ply):
    """External .bin; POSITION and SCALE interleaved (byteStride 24, SCALE at byteOffset 12); ROTATION
    snorm16, OPACITY unorm8, both normalised; SH degree 1 as floats."""
    pos, scale, quat, opacity, sh = activated(ply, 1)
    gpos, xyzw, gsh = to_gltf_axes(pos, quat, sh)
    b = Builder()
    interleaved = np.concatenate([gpos, scale], 1).astype("<f4")
    view = b.view(interleaved.tobytes(), stride=24)
    rot16 = np.round(np.clip(xyzw, -1, 1) * 32767).astype("<i2")
    op8 = np.round(np.clip(opacity, 0, 1) * 255).astype("u1")
    attributes = {"POSITION": b.accessor(view, COUNT, g.VEC3, g.FLOAT),
                  f"{EXT}:SCALE": b.accessor(view, COUNT, g.VEC3, g.FLOAT, offset=12),
                  f"{EXT}:ROTATION": b.accessor(b.view(rot16.tobytes()), COUNT, g.VEC4, g.SHORT, normalized=True),
                  f"{EXT}:OPACITY": b.accessor(b.view(op8.tobytes()), COUNT, g.SCALAR, g.UNSIGNED_BYTE, normalized=True)}
    attributes.update(b.sh(gsh))
    gltf = b.finish([g.Node(mesh=b.mesh(attributes))], [0], uri="quantized.bin")
    (OUT / "quantized.bin").write_bytes(bytes(b.blob))
    gltf.save_json(str(OUT / "quantized.gltf"))
    # What the reader must produce: the glTF normalisation, max(c / 32767, -1) and c / 255, back in our axes.
    q = np.maximum(rot16.astype(np.float64) / 32767, -1)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    wxyz = np.concatenate([q[:, 3:], q[:, :3]], 1) * np.array([1, 1, -1, -1])
    write_ply(OUT / "quantized-expected.ply", pos, scale, wxyz.astype(np.float32), op8 / 255.0, sh)


def quat_mul(a, b):
    aw, av, bw, bv = a[..., :1], a[..., 1:], b[..., :1], b[..., 1:]
    return np.concatenate([aw * bw - np.sum(av * bv, -1, keepdims=True), aw * bv + bw * av + np.cross(av, bv)], -1)


def quat_matrix(q):
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def transformed_gltf(ply):
    """A data-URI buffer; a parent node (translation + rotation, TRS) and a child (uniform scale 2 as a
    matrix) holding the mesh; SH degree 0 (the reader does not rotate higher degrees)."""
    pos, scale, quat, opacity, sh = activated(ply, 0)
    gpos, xyzw, gsh = to_gltf_axes(pos, quat, sh)
    b = Builder()
    attributes = {"POSITION": b.floats(gpos, g.VEC3), f"{EXT}:ROTATION": b.floats(xyzw, g.VEC4),
                  f"{EXT}:SCALE": b.floats(scale, g.VEC3), f"{EXT}:OPACITY": b.floats(opacity, g.SCALAR)}
    attributes.update(b.sh(gsh))
    angle = np.radians(30)
    r_xyzw = [0.0, float(np.sin(angle / 2)), 0.0, float(np.cos(angle / 2))]  # 30 degrees about +Y
    t = [0.5, -0.25, 1.0]
    nodes = [g.Node(translation=t, rotation=r_xyzw, children=[1]),
             g.Node(matrix=[2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1], mesh=b.mesh(attributes))]
    uri = "data:application/octet-stream;base64," + base64.b64encode(bytes(b.blob)).decode()
    gltf = b.finish(nodes, [0], uri=uri)
    gltf.save_json(str(OUT / "transformed.gltf"))
    # Expected, computed here independently: p' = t + R(2 p) in glTF axes, then the half turn.
    r_wxyz = np.array([r_xyzw[3], *r_xyzw[:3]])
    world = t + (quat_matrix(r_wxyz) @ (2 * gpos.T)).T
    local_wxyz = np.concatenate([xyzw[:, 3:], xyzw[:, :3]], 1)
    q = quat_mul(np.broadcast_to(r_wxyz, local_wxyz.shape), local_wxyz) * np.array([1, 1, -1, -1])
    write_ply(OUT / "transformed-expected.ply", (world * np.array([1, -1, -1])).astype(np.float32), 2 * scale,
              q.astype(np.float32), opacity, sh)


def refused_files(ply):
    """Two small files for the errors: a sparse accessor, and a glTF without the extension."""
    pos, scale, quat, opacity, sh = activated(ply, 0)
    gpos, xyzw, gsh = to_gltf_axes(pos[:4], quat[:4], sh[:4])
    b = Builder()
    attributes = {"POSITION": b.floats(gpos, g.VEC3), f"{EXT}:ROTATION": b.floats(xyzw, g.VEC4),
                  f"{EXT}:SCALE": b.floats(scale[:4], g.VEC3), f"{EXT}:OPACITY": b.floats(opacity[:4], g.SCALAR)}
    attributes.update(b.sh(gsh))
    indices = b.view(np.array([1], dtype="<u4").tobytes())
    values = b.view(np.array([9, 9, 9], dtype="<f4").tobytes())
    b.gltf.accessors[attributes["POSITION"]].sparse = g.Sparse(
        count=1, indices=g.AccessorSparseIndices(bufferView=indices, componentType=g.UNSIGNED_INT),
        values=g.AccessorSparseValues(bufferView=values))
    uri = "data:application/octet-stream;base64," + base64.b64encode(bytes(b.blob)).decode()
    b.finish([g.Node(mesh=b.mesh(attributes))], [0], uri=uri).save_json(str(OUT / "sparse.gltf"))

    b = Builder()
    b.gltf.extensionsUsed = []
    view = b.floats(gpos, g.VEC3)
    b.gltf.meshes.append(g.Mesh(primitives=[g.Primitive(attributes=g.Attributes(POSITION=view), mode=g.POINTS)]))
    uri = "data:application/octet-stream;base64," + base64.b64encode(bytes(b.blob)).decode()
    b.finish([g.Node(mesh=0)], [0], uri=uri).save_json(str(OUT / "points-only.gltf"))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    ply = read_ply(SOURCE)
    float_glb(ply)
    quantized_gltf(ply)
    transformed_gltf(ply)
    refused_files(ply)
    for path in sorted(OUT.iterdir()):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
