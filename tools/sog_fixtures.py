#!/usr/bin/env python3
"""Makes Tests/Fixtures/sog/: PlayCanvas SOG version 2 files written without Splat4D, from
Tests/Fixtures/compressed/source.ply (read with gsply), following the published layout
(splat-transform v3.2.0, src/lib/writers/write-sog.ts; read-sog.ts) with Pillow's lossless WebP.

  /tmp/venv/bin/pip install gsply==0.4.6 pillow imagecodecs
  /tmp/venv/bin/python tools/sog_fixtures.py

PlayCanvas's own writer could not be run here (see Tests/Fixtures/sog/README.md). The codebooks
are made differently from Splat4D's writer on purpose (256 quantiles of the pooled values instead
of k-means; the SH palette by numpy k-means from a seeded random start), and the Gaussians stay in
the source's order (SOG allows any order), so a test can compare them one by one.

With --check DIR it instead reads our writer's output (DIR/ours.sog, made by `splat4d convert
source.ply --output DIR/ours.sog`) back with gsply's `sogread` and compares it with DIR/source.ply
(our writer reorders the Gaussians, so each decoded one is matched to its nearest source position).
"""
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import gsply
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "Tests/Fixtures/compressed/source.ply"
OUT = ROOT / "Tests/Fixtures/sog"


def webp(rgba, width, height):
    """Lossless WebP bytes; `exact` keeps RGB under alpha 0 (sh0's alpha is opacity)."""
    buf = io.BytesIO()
    Image.fromarray(rgba.reshape(height, width, 4), "RGBA").save(buf, "WEBP", lossless=True, exact=True, quality=100)
    return buf.getvalue()


def quantile_codebook(values, size=256):
    """256 codebook entries at the quantiles of the pooled values, and each value's nearest index."""
    flat = values.reshape(-1).astype(np.float64)
    book = np.quantile(flat, (np.arange(size) + 0.5) / size).astype(np.float32)
    book = np.unique(book)
    book = np.concatenate([book, np.full(size - len(book), book[-1], dtype=np.float32)])
    mids = (book[1:] + book[:-1]) / 2
    labels = np.searchsorted(mids, values, side="right").astype(np.uint8)
    return book, labels


def kmeans(x, k, iterations=15, seed=7):
    rng = np.random.default_rng(seed)
    centroids = x[rng.choice(len(x), k, replace=False)].copy()
    for _ in range(iterations):
        d = ((x[:, None, :] - centroids[None, :, :]) ** 2).sum(-1)
        labels = d.argmin(1)
        for j in range(k):
            members = x[labels == j]
            if len(members):
                centroids[j] = members.mean(0)
    d = ((x[:, None, :] - centroids[None, :, :]) ** 2).sum(-1)
    return centroids, d.argmin(1)


def sog_files(data, with_sh):
    n = len(data.means)
    width = int(np.ceil(np.sqrt(n) / 4)) * 4
    height = int(np.ceil(n / width / 4)) * 4
    texels = width * height

    def image(channels):  # channels: (n, 4) uint8
        rgba = np.zeros((texels, 4), dtype=np.uint8)
        rgba[:n] = channels
        return webp(rgba, width, height)

    files = {}
    # means: 16 bits of sign(v)·ln(|v| + 1) between its per-axis bounds
    logs = np.sign(data.means) * np.log1p(np.abs(data.means))
    mins, maxs = logs.min(0), logs.max(0)
    q = np.round((logs - mins) / (maxs - mins) * 65535).astype(np.uint32)
    alpha = np.full((n, 1), 255, dtype=np.uint8)
    files["means_l.webp"] = image(np.hstack([(q & 0xFF).astype(np.uint8), alpha]))
    files["means_u.webp"] = image(np.hstack([(q >> 8).astype(np.uint8), alpha]))
    # quats (w, x, y, z): largest made positive, the other three as (v·√2·0.5 + 0.5)·255, tag 252 + index
    quats = data.quats / np.linalg.norm(data.quats, axis=1, keepdims=True)
    largest = np.abs(quats).argmax(1)
    quats = quats * np.where(quats[np.arange(n), largest] < 0, -1, 1)[:, None]
    packed = np.zeros((n, 4), dtype=np.uint8)
    for i in range(n):
        others = [quats[i, j] for j in range(4) if j != largest[i]]
        packed[i, :3] = np.clip(np.round((np.array(others) * np.sqrt(2) * 0.5 + 0.5) * 255), 0, 255)
        packed[i, 3] = 252 + largest[i]
    files["quats.webp"] = image(packed)
    scale_book, scale_labels = quantile_codebook(data.scales)
    files["scales.webp"] = image(np.hstack([scale_labels, alpha]))
    colour_book, colour_labels = quantile_codebook(data.sh0)
    opacity = np.clip(np.round(255 / (1 + np.exp(-data.opacities))), 0, 255).astype(np.uint8)[:, None]
    files["sh0.webp"] = image(np.hstack([colour_labels, opacity]))
    meta = {
        "version": 2,
        "asset": {"generator": "Splat4D tools/sog_fixtures.py (Pillow lossless WebP)"},
        "count": n,
        "means": {"mins": mins.tolist(), "maxs": maxs.tolist(), "files": ["means_l.webp", "means_u.webp"]},
        "scales": {"codebook": scale_book.tolist(), "files": ["scales.webp"]},
        "quats": {"files": ["quats.webp"]},
        "sh0": {"codebook": colour_book.tolist(), "files": ["sh0.webp"]},
    }
    if with_sh:
        coeffs = data.shN.shape[1]
        bands = {3: 1, 8: 2, 15: 3}[coeffs]
        # f_rest order: channel-major (all of red's coefficients, then green's, then blue's)
        rest = data.shN.transpose(0, 2, 1).reshape(n, 3 * coeffs).astype(np.float32)
        palette_size = int(min(64, 2 ** np.floor(np.log2(n / 1024))) * 1024)  # PlayCanvas's size: 512 here
        centroids, labels = kmeans(rest, palette_size)
        book, centroid_labels = quantile_codebook(centroids)
        rows = (palette_size + 63) // 64
        cen = np.zeros((rows * 64 * coeffs, 4), dtype=np.uint8)
        for p in range(palette_size):
            for j in range(coeffs):
                cen[p * coeffs + j] = [centroid_labels[p, j], centroid_labels[p, coeffs + j],
                                       centroid_labels[p, 2 * coeffs + j], 255]
        files["shN_centroids.webp"] = webp(cen, 64 * coeffs, rows)
        lab = np.zeros((n, 4), dtype=np.uint8)
        lab[:, 0] = labels & 0xFF
        lab[:, 1] = labels >> 8
        lab[:, 3] = 255
        files["shN_labels.webp"] = image(lab)
        meta["shN"] = {"count": palette_size, "bands": bands, "codebook": book.tolist(),
                       "files": ["shN_centroids.webp", "shN_labels.webp"]}
    return json.dumps(meta).encode(), files


def make():
    OUT.mkdir(parents=True, exist_ok=True)
    data = gsply.plyread(str(SOURCE))
    meta, files = sog_files(data, with_sh=True)
    with zipfile.ZipFile(OUT / "pillow.sog", "w", zipfile.ZIP_STORED) as z:
        z.writestr("meta.json", meta)
        for name, blob in files.items():
            z.writestr(name, blob)
    folder = OUT / "pillow-sh0"
    folder.mkdir(exist_ok=True)
    meta, files = sog_files(data, with_sh=False)
    (folder / "meta.json").write_bytes(meta)
    for name, blob in files.items():
        (folder / name).write_bytes(blob)
    # The same bundle read back by gsply: what an independent reader makes of these files.
    back = gsply.sogread(str(OUT / "pillow.sog"))
    print("gsply reads pillow.sog:", len(back.means), "Gaussians, position error",
          float(np.abs(back.means - data.means).max()))
    for f in sorted(OUT.rglob("*")):
        if f.is_file():
            print(f.relative_to(OUT), f.stat().st_size)


def check(folder):
    folder = Path(folder)
    source = gsply.plyread(str(folder / "source.ply"))
    ours = gsply.sogread(str(folder / "ours.sog"))
    n = len(source.means)
    assert len(ours.means) == n, f"count {len(ours.means)} != {n}"
    # Our writer uses Morton order: match each decoded Gaussian to its nearest source position.
    d = ((ours.means[:, None, :] - source.means[None, :, :]) ** 2).sum(-1)
    match = d.argmin(1)
    assert len(np.unique(match)) == n, "decoded positions do not match the source one to one"
    s = source.means[match]
    logs = np.sign(s) * np.log1p(np.abs(s))
    step = (logs.max(0) - logs.min(0)) / 65535  # one 16-bit step in log space
    position = np.abs(np.sign(ours.means) * np.log1p(np.abs(ours.means)) - logs)
    assert (position <= step + 1e-6).all(), f"positions: {position.max()} > step {step}"
    scale = np.abs(ours.scales - source.scales[match]).max()
    colour = np.abs(ours.sh0 - source.sh0[match]).max()
    opacity = np.abs(1 / (1 + np.exp(-ours.opacities)) - 1 / (1 + np.exp(-source.opacities[match]))).max()
    assert opacity <= 0.5 / 255 + 1e-5, f"opacity {opacity}"
    dots = np.abs((ours.quats / np.linalg.norm(ours.quats, axis=1, keepdims=True)
                   * source.quats[match] / np.linalg.norm(source.quats[match], axis=1, keepdims=True)).sum(1))
    sh = np.sqrt(((ours.shN - source.shN[match]) ** 2).mean())
    print(f"gsply reads our SOG: {n} Gaussians, positions within one 16-bit log step, max |Δ log scale| {scale:.4f}, "
          f"max |Δ f_dc| {colour:.4f}, max |Δ opacity| {opacity:.4f}, min |q·q'| {dots.min():.5f}, SH rest RMS {sh:.4f}")
    assert scale < 0.1 and colour < 0.05 and dots.min() > 0.999, "scales, colours or rotations off"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        make()
