#!/usr/bin/env python3
"""Makes Tests/Fixtures/compressed/: SPZ and PlayCanvas compressed PLY files written by an
independent writer, gsply (PyPI, MIT, OpsiClear), from a subset of Scenes/synthetic.ply.

  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install gsply==0.4.6 zstandard
  /tmp/venv/bin/python tools/compressed_fixtures.py

With --check DIR it instead reads our writer's output (DIR/ours.spz, DIR/ours.compressed.ply, made
by `splat4d convert` from source.ply) back with gsply and compares it with the source, Gaussian by
Gaussian for SPZ and as sorted sets of positions for compressed PLY (gsply keeps the file's order).

gsply writes the arrays it is given: it does not turn the PLY's right-down-forward axes into SPZ's
right-up-back ones. This script does that half turn about x itself before handing the arrays to
gsply (positions and quaternion y, z negated, the SH coefficients odd in y and z negated), so the
SPZ files follow Niantic's convention; the quantisation and packing are gsply's.
"""
import sys
from pathlib import Path

import numpy as np
import gsply
from gsply.gsdata import GSData
from gsply.spz import read_spz, write_spz

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/Fixtures/compressed"
COUNT = 1000
# Sign of each SH basis function (3DGS order, coefficient 1..15) under (x, y, z) -> (x, -y, -z).
SH_FLIP = np.array([-1, -1, 1, -1, 1, 1, -1, 1, -1, 1, -1, -1, 1, -1, 1], dtype=np.float32)


def to_rub(data):
    """The same Gaussians in SPZ's right-up-back axes."""
    means = data.means * np.array([1, -1, -1], dtype=np.float32)
    quats = data.quats * np.array([1, 1, -1, -1], dtype=np.float32)  # w, x, y, z
    shN = data.shN * SH_FLIP[: data.shN.shape[1], None]
    return GSData(means=means, scales=data.scales, quats=quats, opacities=data.opacities,
                  sh0=data.sh0, shN=shN)


def make():
    OUT.mkdir(parents=True, exist_ok=True)
    full = gsply.plyread(str(ROOT / "Scenes/synthetic.ply"))
    # Every third Gaussian: spread over the scene, small files.
    pick = np.arange(0, len(full.means), 3)[:COUNT]
    subset = GSData(means=full.means[pick], scales=full.scales[pick], quats=full.quats[pick],
                    opacities=full.opacities[pick], sh0=full.sh0[pick], shN=full.shN[pick])
    gsply.plywrite(str(OUT / "source.ply"), subset)
    gsply.plywrite(str(OUT / "gsply.compressed.ply"), subset, compressed=True)
    sh0_only = GSData(means=subset.means, scales=subset.scales, quats=subset.quats,
                      opacities=subset.opacities, sh0=subset.sh0, shN=subset.shN[:, :0])
    gsply.plywrite(str(OUT / "gsply-sh0.compressed.ply"), sh0_only, compressed=True)
    write_spz(str(OUT / "gsply-v3.spz"), to_rub(subset), version=3)
    write_spz(str(OUT / "gsply-v4.spz"), to_rub(subset), version=4)
    for f in sorted(OUT.iterdir()):
        print(f.name, f.stat().st_size)


def check(folder):
    folder = Path(folder)
    source = gsply.plyread(str(folder / "source.ply"))
    spz = read_spz(str(folder / "ours.spz"))
    # Back to right-down-forward; then within SPZ's steps: positions 1/4096, log scales 1/16.
    means = spz.means * np.array([1, -1, -1], dtype=np.float32)
    assert np.abs(means - source.means).max() <= 0.5 / 4096 + 1e-6, "SPZ positions"
    assert np.abs(spz.scales - source.scales).max() <= 0.5 / 16 + 1e-4, "SPZ log scales"
    dc = np.abs(spz.sh0 - source.sh0).max()
    assert dc <= 0.5 / (0.15 * 255) + 1e-4, f"SPZ colours {dc}"
    cp = gsply.plyread(str(folder / "ours.compressed.ply"))
    assert len(cp.means) == len(source.means), "compressed PLY count"
    a = np.sort(cp.means, axis=0)
    b = np.sort(source.means, axis=0)
    extent = source.means.max(axis=0) - source.means.min(axis=0)
    assert (np.abs(a - b) <= extent / 1023).all(), "compressed PLY positions"
    print("gsply reads our SPZ and compressed PLY: values within the quantisation steps")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        make()
