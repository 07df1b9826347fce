#!/usr/bin/env python3
"""Builds the hustvl/4DGaussians fixtures in Tests/Fixtures/4dgaussians/ with the trainer's own code.

Provenance
- Trainer: https://github.com/hustvl/4DGaussians at commit 843d5ac636c37e4b611242287754f3d4ed150144
  (2024-10-27), read from the local mirror /work/.mirror/hustvl+4DGaussians/repo (a bare git dir).
- The trainer's own classes are imported from an extracted copy of that commit: scene/deformation.py
  (deform_network, Deformation), scene/hexplane.py (HexPlaneField), utils/graphics_utils.py
  (batch_quaternion_multiply) and arguments/__init__.py (ModelParams, ModelHiddenParams, ... : the
  argument parser train.py builds). Nothing is stubbed except `tkinter` (deformation.py imports
  `from tkinter import W`, unused).
- Configs: arguments/dnerf/dnerf_default.py and arguments/dynerf/default.py merged over the parser's
  defaults exactly as train.py does (utils/params_utils.merge_hparams), plus an "options" model that
  turns on apply_rotation, static_mlp and grid_pe=2 with defor_depth 2 (small widths) to cover them.
  To keep each folder well under 1 MB the HexPlane resolution is shrunk (dnerf: [64,64,64,25] ->
  [8,8,8,5]; dynerf: [64,64,64,150] -> [6,6,6,7]) and the model has 64 Gaussians; the feature
  channels, multires, widths, depths and options are the configs' own (options model: W=16).
- Weights: the trainer initialises the time planes to 1 and the biases are never reset; here every
  grid, weight and bias is drawn uniformly (seeded) so a wrong plane, axis or layer shows.
  The AABB is set with the trainer's set_aabb(xyz_max, xyz_min) from the canonical points.
- The model folder is written as the trainer writes it: cfg_args (str(Namespace(**vars(args))), as
  train.py's prepare_output_and_logger), point_cloud/iteration_N/point_cloud.ply (GaussianModel.save_ply
  with plyfile), deformation.pth, deformation_table.pth, deformation_accum.pth (save_deformation, torch.save).
  The deformation table has some False entries: gaussian_renderer.render passes every Gaussian to
  the network (its table indexing is commented out), so the expected values deform all of them.
- expected.npy: float32 [T, N, 59] = per Gaussian at each time of times.npy, after the activations as
  gaussian_renderer.render applies them: means (3), exp(scales) (3), normalize(rotations) (4, w x y z),
  sigmoid(opacity) (1), SH (16 x 3, coefficient-major as the rasterizer receives them).
Run: python3 tools/make_4dgaussians_fixtures.py  (PyTorch CPU, numpy, plyfile).
Benchmark models (not committed): python3 tools/make_4dgaussians_fixtures.py --bench N OUT writes OUT/dnerf-N
and OUT/dynerf-N with the configs' full HexPlane resolution and N Gaussians, without expected values.
"""
import os
import subprocess
import sys
import tarfile
import io
import types
from argparse import ArgumentParser, Namespace

import numpy as np
import torch

MIRROR = "/work/.mirror/hustvl+4DGaussians/repo"
COMMIT = "843d5ac636c37e4b611242287754f3d4ed150144"
FILES = ["scene/hexplane.py", "scene/deformation.py", "scene/grid.py", "utils/graphics_utils.py",
         "arguments/__init__.py", "arguments/dnerf/dnerf_default.py", "arguments/dynerf/default.py",
         "utils/params_utils.py"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "4dgaussians")
TIMES = [0.0, 0.25, 0.6, 1.0]
N = 64


def extract(dest):
    for f in FILES:
        path = os.path.join(dest, f)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = subprocess.check_output(["git", "--git-dir", MIRROR, "show", f"{COMMIT}:{f}"])
        with open(path, "wb") as out:
            out.write(data)
    for pkg in ["scene", "utils", "arguments", "arguments/dnerf", "arguments/dynerf"]:
        init = os.path.join(dest, pkg, "__init__.py")
        if not os.path.exists(init):
            open(init, "w").close()


def trainer_args(config_file, overrides):
    """The Namespace train.py builds: its parser's defaults, then merge_hparams with the config."""
    from arguments import ModelParams, OptimizationParams, PipelineParams, ModelHiddenParams
    from utils.params_utils import merge_hparams
    parser = ArgumentParser(description="Training script parameters")
    ModelParams(parser); OptimizationParams(parser); PipelineParams(parser); ModelHiddenParams(parser)
    parser.add_argument('--ip', type=str, default="127.0.0.1")
    parser.add_argument('--port', type=int, default=6009)
    parser.add_argument('--debug_from', type=int, default=-1)
    parser.add_argument('--detect_anomaly', action='store_true', default=False)
    parser.add_argument("--test_iterations", nargs="+", type=int, default=[3000, 7000, 14000])
    parser.add_argument("--save_iterations", nargs="+", type=int, default=[14000, 20000, 30_000, 45000, 60000])
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--checkpoint_iterations", nargs="+", type=int, default=[])
    parser.add_argument("--start_checkpoint", type=str, default=None)
    parser.add_argument("--expname", type=str, default="")
    parser.add_argument("--configs", type=str, default="")
    args = parser.parse_args(["--configs", config_file, "--expname", "fixture"])
    args.save_iterations.append(args.iterations)
    config = {}
    exec(open(config_file).read(), config)  # the config files are plain dict literals (mmcv.Config reads them so)
    args = merge_hparams(args, config)
    for k, v in overrides.items():
        setattr(args, k, v)
    args.model_path = "output/fixture"
    return args


def build(name, config_file, overrides, seed, n=None, out=None, record=True):
    import scene.deformation as deformation
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    args = trainer_args(config_file, overrides)
    net = deformation.deform_network(args)
    N = n or globals()["N"]
    # Canonical Gaussians (raw, as GaussianModel holds them).
    xyz = torch.tensor(rng.uniform(-1.2, 1.2, (N, 3)), dtype=torch.float32)
    net.deformation_net.set_aabb(xyz.max(0).values.tolist(), xyz.min(0).values.tolist())
    with torch.no_grad():
        for pname, p in net.named_parameters():
            if pname.endswith("aabb"):
                continue
            if ".grids." in pname:
                p.copy_(torch.rand_like(p) * 1.0 + 0.5)  # products of 6 planes stay O(1)
            else:
                fan_in = p.shape[-1] if p.dim() > 1 else p.shape[0]
                p.copy_((torch.rand_like(p) * 2 - 1) / np.sqrt(fan_in) * 1.5)
    features_dc = torch.tensor(rng.normal(0, 0.5, (N, 1, 3)), dtype=torch.float32)
    features_rest = torch.tensor(rng.normal(0, 0.2, (N, 15, 3)), dtype=torch.float32)
    opacity = torch.tensor(rng.normal(0, 1.5, (N, 1)), dtype=torch.float32)
    scaling = torch.tensor(rng.uniform(-4, -2, (N, 3)), dtype=torch.float32)
    rotation = torch.tensor(rng.normal(0, 1, (N, 4)), dtype=torch.float32)
    table = torch.tensor(rng.uniform(0, 1, N) > 0.25)
    accum = torch.tensor(rng.uniform(0, 1, (N, 3)), dtype=torch.float32)

    folder = os.path.join(out or OUT, name)
    it = os.path.join(folder, "point_cloud", "iteration_3000")
    os.makedirs(it, exist_ok=True)
    with open(os.path.join(folder, "cfg_args"), "w") as f:
        f.write(str(Namespace(**vars(args))))
    save_ply(os.path.join(it, "point_cloud.ply"), xyz, features_dc, features_rest, opacity, scaling, rotation)
    torch.save(net.state_dict(), os.path.join(it, "deformation.pth"))
    torch.save(table, os.path.join(it, "deformation_table.pth"))
    torch.save(accum, os.path.join(it, "deformation_accum.pth"))

    if not record:
        return
    # Expected values: gaussian_renderer.render's "fine" stage, then its activations.
    shs = torch.cat((features_dc, features_rest), dim=1)
    rows = []
    with torch.no_grad():
        for t in TIMES:
            time = torch.tensor(t).repeat(N, 1)
            m, s, r, o, sh = net(xyz, scaling, rotation, opacity, shs, time)
            s = torch.exp(s)
            r = torch.nn.functional.normalize(r)
            o = torch.sigmoid(o)
            rows.append(torch.cat([m, s, r, o, sh.reshape(N, 48)], dim=1).numpy().astype(np.float32))
    np.save(os.path.join(folder, "expected.npy"), np.stack(rows))
    np.save(os.path.join(folder, "times.npy"), np.array(TIMES, dtype=np.float32))
    print(name, {k: tuple(v.shape) for k, v in net.state_dict().items() if "grids" in k or "feature_out" in k})


def save_ply(path, xyz, features_dc, features_rest, opacity, scaling, rotation):
    """GaussianModel.save_ply, with the model's tensors passed in."""
    from plyfile import PlyData, PlyElement
    xyz = xyz.numpy()
    normals = np.zeros_like(xyz)
    f_dc = features_dc.transpose(1, 2).flatten(start_dim=1).contiguous().numpy()
    f_rest = features_rest.transpose(1, 2).flatten(start_dim=1).contiguous().numpy()
    attrs = ['x', 'y', 'z', 'nx', 'ny', 'nz'] + [f'f_dc_{i}' for i in range(3)] + [f'f_rest_{i}' for i in range(45)]
    attrs += ['opacity'] + [f'scale_{i}' for i in range(3)] + [f'rot_{i}' for i in range(4)]
    elements = np.empty(xyz.shape[0], dtype=[(a, 'f4') for a in attrs])
    attributes = np.concatenate((xyz, normals, f_dc, f_rest, opacity.numpy(), scaling.numpy(), rotation.numpy()), axis=1)
    elements[:] = np.rec.fromarrays(attributes.T.astype(np.float32), dtype=elements.dtype)
    PlyData([PlyElement.describe(elements, 'vertex')]).write(path)


def main():
    here = os.getcwd()
    src = "/tmp/4dgaussians-" + COMMIT[:8]
    extract(src)
    sys.path.insert(0, src)
    sys.modules.setdefault("tkinter", types.SimpleNamespace(W=None))
    os.chdir(src)
    if len(sys.argv) == 4 and sys.argv[1] == "--bench":
        n, out = int(sys.argv[2]), os.path.abspath(sys.argv[3]) if os.path.isabs(sys.argv[3]) else os.path.join(here, sys.argv[3])
        build(f"dnerf-{n}", "arguments/dnerf/dnerf_default.py", {}, seed=4, n=n, out=out, record=False)
        build(f"dynerf-{n}", "arguments/dynerf/default.py", {}, seed=5, n=n, out=out, record=False)
        return
    build("dnerf", "arguments/dnerf/dnerf_default.py",
          {"kplanes_config": {'grid_dimensions': 2, 'input_coordinate_dim': 4, 'output_coordinate_dim': 32,
                              'resolution': [8, 8, 8, 5]}}, seed=1)
    build("dynerf", "arguments/dynerf/default.py",
          {"kplanes_config": {'grid_dimensions': 2, 'input_coordinate_dim': 4, 'output_coordinate_dim': 16,
                              'resolution': [6, 6, 6, 7]}}, seed=2)
    build("options", "arguments/dnerf/dnerf_default.py",
          {"kplanes_config": {'grid_dimensions': 2, 'input_coordinate_dim': 4, 'output_coordinate_dim': 4,
                              'resolution': [5, 4, 6, 3]},
           "multires": [1, 2], "net_width": 16, "defor_depth": 2, "apply_rotation": True, "static_mlp": True,
           "grid_pe": 2, "no_do": False, "no_dshs": False}, seed=3)


if __name__ == "__main__":
    main()
