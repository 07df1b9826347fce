#!/usr/bin/env python3
"""Makes the PyTorch checkpoint fixtures in Tests/Fixtures/torch/ with PyTorch's own torch.save.

Provenance: PyTorch (the CPU wheel, `pip install torch --index-url https://download.pytorch.org/whl/cpu`
or plain PyPI; made with 2.13.0+cpu) and numpy. The tests never run this script; they read the
committed files. Rerun it (from the repository root) only to change them:

    python3 tools/torch_fixtures.py

Writes:
- values.pth + values.json: a state dict with a tensor of every dtype the reader supports
  (float32, float16, bfloat16, int64, int32, bool), non-contiguous views (a transpose, a slice
  with a storage offset and a step, a stride-0 expand, two views of one storage), a 0-d tensor,
  an nn.Parameter, a numpy scalar, and nested containers (tuple, list, dict, OrderedDict, int,
  float, str, None, bool, an int beyond 32 bits). values.json records every tensor's dtype, shape
  and elements in row-major order, and the plain values; floats also as exact hex strings
  (float.hex()), since JSON parsers may round decimals.
- legacy.pth: the same kind of dict saved with _use_new_zipfile_serialization=False (the
  pre-1.6 format the reader refuses by name).
- chkpnt7000.pth: a small random 4DGS model (fudan-zvg/4d-gaussian-splatting) saved as its train.py
  saves it, `torch.save((gaussians.capture(), iteration), path)`. The trainer's GaussianModel
  cannot be imported on a CPU (it imports the simple_knn CUDA extension and puts every tensor on
  "cuda"), so this script reproduces capture()'s 19-tuple for gaussian_dim 4 exactly as
  scene/gaussian_model.py builds it (fetched at commit 63725f2): nn.Parameters for the learned
  tensors, `_features_rest` as the transposed (non-contiguous) view create_from_pth makes, an Adam
  optimizer over the same named parameter groups (eps 1e-15) after one step, spatial_lr_scale a
  numpy float64 (getNerfppNorm's radius), rot_4d True, env_map empty, sh_degree 3 with
  sh_degree_t 2 (eval_shfs_4d: 16 · 3 = 48 colour coefficients per channel).
- chkpnt7000.t.4d.ply: the same with --time-duration 0 10 (time-varying colour included).
- chkpnt7000.4d.ply: that checkpoint converted by tools/convert_4dgs_checkpoint.py (no time range),
  the 4D PLY the checkpoint reader must decode identically.
"""
import collections
import json
import os
import subprocess
import sys

import numpy as np
import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "torch")


def describe(value):
    """The JSON record of a value: tensors by dtype, shape and row-major elements."""
    if isinstance(value, torch.Tensor):
        dtype = str(value.dtype).replace("torch.", "")
        elements = value.detach().reshape(-1)
        if value.dtype in (torch.float16, torch.bfloat16):
            elements = elements.float()
        listed = [bool(x) for x in elements.tolist()] if value.dtype == torch.bool else elements.tolist()
        record = {"tensor": dtype, "shape": list(value.shape), "values": listed,
                  "contiguous": value.is_contiguous(), "requires_grad": value.requires_grad}
        if value.dtype.is_floating_point:  # exact, whatever a JSON parser does with decimals
            record["hex"] = [float(x).hex() for x in listed]
        return record
    if isinstance(value, np.generic):
        return {"numpy": value.item(), "hex": float(value).hex()}
    if isinstance(value, tuple):
        return {"tuple": [describe(v) for v in value]}
    if isinstance(value, list):
        return {"list": [describe(v) for v in value]}
    if isinstance(value, dict):
        return {"ordered" if isinstance(value, collections.OrderedDict) else "dict":
                [[describe(k), describe(v)] for k, v in value.items()]}
    if value is None:
        return {"none": None}
    kind = {bool: "bool", int: "int", float: "float", str: "str"}[type(value)]
    return {kind: value, "hex": value.hex()} if kind == "float" else {kind: value}


def values_fixture():
    g = torch.Generator().manual_seed(13)
    base = torch.randn(4, 5, generator=g)
    shared = torch.arange(12, dtype=torch.float32)
    state = collections.OrderedDict()
    state["float32"] = torch.randn(2, 3, generator=g)
    state["float16"] = torch.tensor([1.0, -2.5, 65504.0, 6.1e-5, 0.0], dtype=torch.float16)
    state["bfloat16"] = torch.tensor([1.5, -3.0e38, 1.0e-30, 7.0], dtype=torch.bfloat16)
    state["int64"] = torch.tensor([[0, -1], [2**40, -(2**62)]], dtype=torch.int64)
    state["int32"] = torch.tensor([7, -2**31, 2**31 - 1], dtype=torch.int32)
    state["bool"] = torch.tensor([[True, False, True]])
    state["transposed"] = base.t()                       # strides (1, 5)
    state["sliced"] = base[1:, ::2]                       # offset 5, strides (5, 2)
    state["expanded"] = torch.tensor([3.0, 4.0]).expand(3, 2)  # stride 0
    state["view_a"] = shared[2:8].view(2, 3)              # two views of one storage
    state["view_b"] = shared.view(3, 4)[:, 1]
    state["scalar"] = torch.tensor(2.25)
    state["parameter"] = nn.Parameter(torch.tensor([0.5, -0.25]))
    state["numpy"] = np.float64(1.1) * 3
    state["nested"] = (1, -7, 2**40, 0.1, "text", None, True, False,
                       [1, [2, (3, {"k": [None]})]], {"a": 1, 2: "b"}, collections.OrderedDict(z=1.5))
    torch.save(state, os.path.join(OUT, "values.pth"))
    with open(os.path.join(OUT, "values.json"), "w") as out:
        json.dump(describe(state), out, indent=1)
    torch.save({"a": torch.ones(2)}, os.path.join(OUT, "legacy.pth"), _use_new_zipfile_serialization=False)


def capture_4dgs(n=24, sh_degree=3, sh_degree_t=2, seed=7):
    """capture() of a 4D GaussianModel with rot_4d, as scene/gaussian_model.py lays it out."""
    g = torch.Generator().manual_seed(seed)
    channels = (sh_degree + 1) ** 2 * (sh_degree_t + 1)
    xyz = nn.Parameter(torch.randn(n, 3, generator=g))
    features = torch.randn(n, 3, channels, generator=g) * 0.3
    features_dc = nn.Parameter(features[:, :, 0:1].transpose(1, 2).contiguous())
    features_rest = nn.Parameter(features[:, :, 1:].transpose(1, 2))  # as create_from_pth: not contiguous
    scaling = nn.Parameter(torch.randn(n, 3, generator=g) * 0.3 - 2.5)
    rotation = nn.Parameter(torch.randn(n, 4, generator=g))
    opacity = nn.Parameter(torch.randn(n, 1, generator=g))
    t = nn.Parameter(torch.rand(n, 1, generator=g) * 2 - 0.5)
    scaling_t = nn.Parameter(torch.randn(n, 1, generator=g) * 0.3 - 1.0)
    rotation_r = nn.Parameter(torch.randn(n, 4, generator=g))
    spatial_lr_scale = np.float64(np.max(np.linalg.norm(np.random.default_rng(seed).normal(size=(3, 5)), axis=0))) * 1.1
    groups = [(xyz, 0.00016 * spatial_lr_scale, "xyz"), (features_dc, 0.0025, "f_dc"), (features_rest, 0.0025 / 20.0, "f_rest"),
              (opacity, 0.05, "opacity"), (scaling, 0.005, "scaling"), (rotation, 0.001, "rotation"),
              (t, 0.00016 * spatial_lr_scale, "t"), (scaling_t, 0.005, "scaling_t"), (rotation_r, 0.001, "rotation_r")]
    optimizer = torch.optim.Adam([{"params": [p], "lr": lr, "name": name} for p, lr, name in groups], lr=0.0, eps=1e-15)
    loss = sum((p * p).sum() for p, _, _ in groups)
    loss.backward()
    with torch.no_grad():
        snapshot = [p.detach().clone() for p, _, _ in groups]
    optimizer.step()
    with torch.no_grad():  # keep the drawn values (the step only fills the optimizer's state)
        for (p, _, _), v in zip(groups, snapshot):
            p.copy_(v)
    return (
        sh_degree,                          # active_sh_degree
        xyz, features_dc, features_rest, scaling, rotation, opacity,
        torch.zeros(n),                     # max_radii2D
        torch.zeros(n, 1),                  # xyz_gradient_accum
        torch.zeros(n, 1),                  # t_gradient_accum
        torch.zeros(n, 1),                  # denom
        optimizer.state_dict(),
        spatial_lr_scale,
        t, scaling_t, rotation_r,
        True,                               # rot_4d
        torch.empty(0),                     # env_map
        sh_degree_t,                        # active_sh_degree_t
    )


def checkpoint_fixture():
    path = os.path.join(OUT, "chkpnt7000.pth")
    torch.save((capture_4dgs(), 7000), path)
    converter = os.path.join(ROOT, "tools", "convert_4dgs_checkpoint.py")
    subprocess.run([sys.executable, converter, path, os.path.join(OUT, "chkpnt7000.4d.ply"), "--spatial-only"], check=True)
    # With the training config's time_duration: the time-varying colour too (splat4d --time-duration 0:10).
    subprocess.run([sys.executable, converter, path, os.path.join(OUT, "chkpnt7000.t.4d.ply"), "--time-duration", "0", "10"],
                   check=True)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    values_fixture()
    checkpoint_fixture()
