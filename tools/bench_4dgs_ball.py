#!/usr/bin/env python3
"""Writes the 4DGS colour benchmark scene of BENCHMARKS.md: N native 4D Gaussians in a ball of
radius 2, time centres over time_duration [0, 10], SH degree 3 with `sh_degree_t` time terms, as
Splat4D's 4D PLY (through tools/convert_4dgs_checkpoint.py's writer, so it is laid out as converted
checkpoints are). Needs numpy only; the same seed gives the same Gaussians for every sh_degree_t.

    python3 tools/bench_4dgs_ball.py OUTPUT.4d.ply --count 100000 --sh-degree-t 2
"""
import argparse
import importlib.util
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--sh-degree-t", type=int, choices=[0, 1, 2], default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("convert", os.path.join(ROOT, "tools", "convert_4dgs_checkpoint.py"))
    convert = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(convert)

    rng = np.random.default_rng(args.seed)
    n = args.count
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    xyz = direction * 2.0 * rng.uniform(0, 1, size=(n, 1)) ** (1 / 3)
    features = rng.normal(0.0, 0.2, size=(n, 48, 3))
    features[:, 0, :] = rng.normal(0.3, 0.6, size=(n, 3))
    quaternions = rng.normal(size=(n, 2, 4))
    quaternions /= np.linalg.norm(quaternions, axis=2, keepdims=True)
    f = lambda a: np.asarray(a, dtype=np.float32)
    model = {
        "sh_degree": 3, "sh_degree_t": args.sh_degree_t,
        "xyz": f(xyz), "dc": f(features[:, :1, :]), "rest": f(features[:, 1:, :]),
        "scale": f(np.log(rng.uniform(0.01, 0.04, size=(n, 3)))), "rot": f(quaternions[:, 0]),
        "opacity": f(rng.normal(0.0, 1.5, size=(n, 1))), "t": f(rng.uniform(0, 10, size=(n, 1))),
        "scale_t": f(np.log(rng.uniform(0.5, 2.0, size=(n, 1)))), "rot_r": f(quaternions[:, 1]),
    }
    convert.write_ply(args.output, model, [0.0, 10.0], None, "flipped", [0.0, 10.0])


if __name__ == "__main__":
    main()
