#!/usr/bin/env python3
"""Makes the 4DGS time-varying colour fixtures in Tests/Fixtures/sh4d/ with the trainer's own code.

Provenance: Yang et al.'s trainer, fudan-zvg/4d-gaussian-splatting (commit recorded in
expected.json), its `utils/sh_utils.py` imported as is and run on PyTorch's CPU wheel
(`pip install torch --index-url https://download.pytorch.org/whl/cpu`, or the PyPI wheel). The
tests never run this script; they read the committed files. Rerun it only to change them:

    python3 tools/sh4d_fixtures.py TRAINER_CHECKOUT

For each model (small random Gaussians built as the trainer's GaussianModel holds them: features
(N, 48, 3), xyz, t, log scales, left/right quaternions, opacity logits) the script saves
`(capture(), iteration)` with torch.save exactly as the trainer's train.py does, converts that
checkpoint with tools/convert_4dgs_checkpoint.py into NAME.4d.ply, and records in expected.json the
colour of every Gaussian for several cameras and times, as the trainer's renderer computes it on its
CUDA path (the shipped configs: convert_SHs_python False): `eval_shfs_4d` from sh_utils with
  dirs   = normalize(xyz − camera_center), the *canonical* xyz: computeColorFromSH_4D in
           diff-gaussian-rasterization/cuda_rasterizer/forward.cu reads orig_points, not the mean
           moved to t (the Python fallback in gaussian_renderer/__init__.py uses the moved mean;
           the kernel wins where they differ),
  dirs_t = t − timestamp, l = time_duration[1] − time_duration[0],
  colour = clamp_min(sh2rgb + 0.5, 0).
The kernel's time terms live inside `deg > 2`; the models here are degree 3, where both agree.
Model "t2" has active_sh_degree_t 2; "t1" has max_sh_degree_t 2 but active_sh_degree_t 1, so the
converter writes one time term and the second is never read (as in the kernel, which gets the
active degree).
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "sh4d")
TIME_DURATION = [0.0, 10.0]      # the trainer's dynerf configs
CAMERAS = [[0.0, 0.0, -4.0], [3.0, -1.0, 2.5], [-2.0, 2.5, -1.0]]
TIMES = [0.0, 2.7, 5.0, 9.3]
N = 8


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def random_model(rng, active_degree_t):
    """The tensors of GaussianModel.capture() for gaussian_dim 4, rot_4d, sh_degree 3, sh_degree_t 2."""
    f = lambda a: torch.tensor(np.asarray(a, dtype=np.float32))
    features = rng.normal(0.0, 0.3, size=(N, 48, 3))
    features[:, 0, :] = rng.normal(0.5, 0.5, size=(N, 3))
    xyz = rng.uniform(-1.0, 1.0, size=(N, 3))
    t = rng.uniform(TIME_DURATION[0], TIME_DURATION[1], size=(N, 1))
    # Near-identity rotations and a long time scale keep every Gaussian active at every time.
    left = np.concatenate([np.ones((N, 1)), rng.normal(0, 0.05, size=(N, 3))], axis=1)
    right = np.concatenate([np.ones((N, 1)), rng.normal(0, 0.05, size=(N, 3))], axis=1)
    scale = np.log(rng.uniform(0.05, 0.2, size=(N, 3)))
    scale_t = np.full((N, 1), np.log(20.0))
    opacity = rng.normal(2.0, 0.3, size=(N, 1))
    capture = (3, f(xyz), f(features[:, :1, :]), f(features[:, 1:, :]), f(scale), f(left), f(opacity),
               torch.zeros(N), torch.zeros(N, 1), torch.zeros(N, 1), torch.zeros(N, 1), {}, 1.0,
               f(t), f(scale_t), f(right), True, None, active_degree_t)
    return capture


def colours(sh_utils, capture, camera, timestamp):
    """The trainer's colour of every Gaussian (its renderer's CUDA path, eval_shfs_4d's formula)."""
    xyz, t = capture[1], capture[13]
    features = torch.cat((capture[2], capture[3]), dim=1)        # get_features
    shs_view = features.transpose(1, 2).view(-1, 3, 48)
    dir_pp = xyz - torch.tensor(camera, dtype=torch.float32).repeat(N, 1)
    dir_pp_normalized = dir_pp / dir_pp.norm(dim=1, keepdim=True)
    dir_t = t - timestamp
    sh2rgb = sh_utils.eval_shfs_4d(capture[0], capture[18], shs_view, dir_pp_normalized, dir_t,
                                   TIME_DURATION[1] - TIME_DURATION[0])
    return torch.clamp_min(sh2rgb + 0.5, 0.0)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    trainer = sys.argv[1]
    sh_utils = load_module("sh_utils", os.path.join(trainer, "utils", "sh_utils.py"))
    converter = load_module("convert_4dgs_checkpoint", os.path.join(ROOT, "tools", "convert_4dgs_checkpoint.py"))
    commit = subprocess.run(["git", "-C", trainer, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(13)
    expected = {"trainer": "fudan-zvg/4d-gaussian-splatting", "commit": commit or "unknown",
                "torch": torch.__version__, "time_duration": TIME_DURATION, "models": {}}
    for name, degree_t in [("t2", 2), ("t1", 1)]:
        capture = random_model(rng, degree_t)
        with tempfile.TemporaryDirectory() as tmp:
            checkpoint = os.path.join(tmp, "chkpnt_best.pth")
            torch.save((capture, 30000), checkpoint)                 # as train.py saves it
            model = converter.load_capture(checkpoint)
            converter.write_ply(os.path.join(OUT, f"{name}.4d.ply"), model, TIME_DURATION, None, "flipped",
                                TIME_DURATION)
        cases = []
        for camera in CAMERAS:
            for timestamp in TIMES:
                rgb = colours(sh_utils, capture, camera, timestamp)
                cases.append({"camera": camera, "time": timestamp, "colours": rgb.tolist()})
        expected["models"][name] = {"sh_degree_t": degree_t, "cases": cases}
    with open(os.path.join(OUT, "expected.json"), "w") as out:
        json.dump(expected, out, indent=1)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
