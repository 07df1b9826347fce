#!/usr/bin/env python3
"""Convert a native 4D Gaussian Splatting checkpoint (fudan-zvg/4d-gaussian-splatting, the
`chkpnt*.pth` files its train.py saves) into Splat4D's 4D PLY (see README.md, "Formats").

    python3 tools/convert_4dgs_checkpoint.py chkpnt30000.pth scene.4d.ply --time-duration 0 10 --frame-rate 30

Needs PyTorch (to unpickle the checkpoint) and numpy. Not part of the test suite: tools/sh4d_fixtures.py
runs it to make the fixtures in Tests/Fixtures/sh4d/, tools/torch_fixtures.py to make the PLY the
checkpoint tests compare with. splat4d also reads the checkpoint itself (format `4dgs-checkpoint`),
decoding it exactly as this script's PLY (spatial SH only).

What the checkpoint holds (GaussianModel.capture() with gaussian_dim == 4, saved as
(capture(), iteration)): 0 active_sh_degree, 1 xyz (N,3), 2 features_dc (N,1,3), 3 features_rest
(N,C-1,3), 4 log scales (N,3), 5 left quaternion (N,4, w first), 6 opacity logits (N,1), ...,
13 t (N,1), 14 log scale_t (N,1), 15 right quaternion (N,4), 16 rot_4d (bool), 17 env_map,
18 active_sh_degree_t. The features hold (max_degree+1)²·(max_degree_t+1) coefficients per channel;
the trainer's CUDA kernel reads the spatial (active_degree+1)² and, only when active_degree is 3,
16 more per active time term (sh[16·j + k]). Those are written, channel-major as f_rest_*, with the
header comments sh_degree_t (the active one) and time_duration (the training config's, which the
checkpoint does not record: --time-duration, required when there are time terms).
"""
import argparse
import sys

import numpy as np


def load_capture(path):
    import torch  # imported here so --help works without PyTorch

    data = torch.load(path, map_location="cpu", weights_only=False)
    capture = data[0] if isinstance(data, tuple) and len(data) == 2 and isinstance(data[1], int) else data
    if len(capture) < 19:
        sys.exit(f"{path}: not a 4D checkpoint (capture has {len(capture)} fields, expected 19)")
    if not capture[16]:
        sys.exit(f"{path}: the model was trained without rot_4d; only 4D rotations are supported")

    def array(i):
        return capture[i].detach().cpu().numpy().astype(np.float32)

    return {
        "sh_degree": int(capture[0]), "sh_degree_t": int(capture[18]),
        "xyz": array(1), "dc": array(2), "rest": array(3), "scale": array(4), "rot": array(5),
        "opacity": array(6), "t": array(13), "scale_t": array(14), "rot_r": array(15),
    }


def write_ply(path, model, time_range, frame_rate, convention, time_duration=None, spatial_only=False):
    degree = model["sh_degree"]
    # The kernel evaluates the time terms only at spatial degree 3 (computeColorFromSH_4D).
    degree_t = model["sh_degree_t"] if degree == 3 and not spatial_only else 0
    if degree_t > 0 and time_duration is None:
        sys.exit(f"the checkpoint has sh_degree_t {degree_t}: give the training config's time_duration "
                 "with --time-duration T0 T1")
    coefficients = (degree + 1) ** 2 * (degree_t + 1)
    n = model["xyz"].shape[0]
    if model["rest"].shape[1] < coefficients - 1:
        sys.exit(f"features_rest has {model['rest'].shape[1]} coefficients, expected at least {coefficients - 1}")
    rest = model["rest"][:, : coefficients - 1, :]          # (N, K-1, 3), coefficient-major
    rest_channel_major = np.transpose(rest, (0, 2, 1)).reshape(n, -1)  # f_rest[c*(K-1)+k]
    columns = [
        ("x", model["xyz"][:, 0]), ("y", model["xyz"][:, 1]), ("z", model["xyz"][:, 2]), ("t", model["t"][:, 0]),
        ("f_dc_0", model["dc"][:, 0, 0]), ("f_dc_1", model["dc"][:, 0, 1]), ("f_dc_2", model["dc"][:, 0, 2]),
    ]
    columns += [(f"f_rest_{i}", rest_channel_major[:, i]) for i in range(rest_channel_major.shape[1])]
    columns += [("opacity", model["opacity"][:, 0])]
    columns += [(f"scale_{i}", model["scale"][:, i]) for i in range(3)] + [("scale_t", model["scale_t"][:, 0])]
    columns += [(f"rot_{i}", model["rot"][:, i]) for i in range(4)]
    columns += [(f"rot_r_{i}", model["rot_r"][:, i]) for i in range(4)]

    header = ["ply", "format binary_little_endian 1.0",
              f"comment splat4d rotation_convention {convention}", "comment splat4d time_unit seconds"]
    if time_range:
        header.append(f"comment splat4d time_range {time_range[0]} {time_range[1]}")
    if frame_rate:
        header.append(f"comment splat4d frame_rate {frame_rate}")
    if not spatial_only:  # a file stating sh_degree_t is coloured the trainer's way (README)
        header.append(f"comment splat4d sh_degree_t {degree_t}")
    if time_duration:
        header.append(f"comment splat4d time_duration {time_duration[0]} {time_duration[1]}")
    header.append(f"element vertex {n}")
    header += [f"property float {name}" for name, _ in columns]
    header.append("end_header")
    body = np.stack([values.astype("<f4") for _, values in columns], axis=1)
    with open(path, "wb") as out:
        out.write(("\n".join(header) + "\n").encode("ascii"))
        out.write(body.tobytes())
    print(f"wrote {path}: {n} Gaussians, SH degree {degree}, sh_degree_t {degree_t}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("output")
    parser.add_argument("--time-range", nargs=2, type=float, metavar=("T0", "T1"),
                        help="the time range to play (default: --time-duration, else derived from the Gaussians)")
    parser.add_argument("--time-duration", nargs=2, type=float, metavar=("T0", "T1"),
                        help="the training config's time_duration (the colour's cosine period is T1 - T0)")
    parser.add_argument("--frame-rate", type=float)
    parser.add_argument("--spatial-only", action="store_true",
                        help="drop the time-varying colour terms (spatial SH only, as splat4d reads a checkpoint "
                             "without --time-duration)")
    parser.add_argument("--convention", choices=["flipped", "unflipped"], default="flipped",
                        help="unflipped for checkpoints trained before the trainer's September 2024 change")
    args = parser.parse_args()
    time_range = args.time_range or args.time_duration
    write_ply(args.output, load_capture(args.checkpoint), time_range, args.frame_rate, args.convention, args.time_duration,
              args.spatial_only)


if __name__ == "__main__":
    main()
