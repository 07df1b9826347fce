#!/usr/bin/env python3
"""Makes the LDR-FLIP fixtures in Tests/Fixtures/flip/ with NVIDIA's reference implementation.

Provenance: `pip install flip-evaluator` (NVlabs/flip, the C++ implementation behind the paper's
numbers, through its Python binding). The tests never run this script; they read the committed
files. Rerun it only to add a pair:

    python3 tools/flip_fixtures.py SPLAT4D_BINARY

Each pair is written as NAME.reference.rgb and NAME.test.rgb (8-bit sRGB, row-major RGB),
NAME.flip.u16 (the reference's per-pixel error map, round(65535·e) little-endian), and one entry
in pairs.json with the size, the pixels per degree and the reference's mean error.
"""
import json, os, subprocess, sys, tempfile
import numpy as np
import flip_evaluator as flip
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "flip")


def render(binary, path, *args):
    subprocess.run([binary, "render", *args, "--output", path, "--overwrite"], check=True,
                   stdout=subprocess.DEVNULL)
    return np.asarray(Image.open(path).convert("RGB"))


def crop(image, x, y, w, h):
    return image[y:y + h, x:x + w]


def synthetic_pair():
    """A smooth gradient with texture, and a copy that is blurred, shifted in colour and noisy."""
    rng = np.random.default_rng(7)
    h, w = 61, 97
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    ref = np.stack([xx / w, yy / h, 0.5 + 0.5 * np.sin(xx / 5) * np.cos(yy / 7)], axis=-1)
    ref[20:40, 30:60] = [0.9, 0.1, 0.2]
    ref = np.clip(ref + rng.normal(0, 0.02, ref.shape), 0, 1)
    test = ref.copy()
    test[:, 1:] = 0.5 * (ref[:, 1:] + ref[:, :-1])
    test[:, :, 2] *= 0.8
    test = np.clip(test + rng.normal(0, 0.05, ref.shape), 0, 1)
    return (ref * 255 + 0.5).astype(np.uint8), (test * 255 + 0.5).astype(np.uint8)


def main():
    binary = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    scenes = os.path.join(ROOT, "Scenes")
    with tempfile.TemporaryDirectory() as tmp:
        ours = render(binary, os.path.join(tmp, "plant.png"), os.path.join(scenes, "plant.splat"),
                      "--backend", "cpu", "--background", "white", "--camera", os.path.join(scenes, "plant.cameras.json"))
        moved = render(binary, os.path.join(tmp, "moved.png"), os.path.join(scenes, "plant.splat"),
                       "--backend", "cpu", "--background", "white", "--look-at=-0.54,-0.45,-1.36:0.25,0.1,0.4",
                       "--width", "512", "--height", "512", "--fov-y", "40")
    outside = np.asarray(Image.open(os.path.join(scenes, "plant.reference.png")).convert("RGB"))
    synth_ref, synth_test = synthetic_pair()
    default_ppd = 0.7 * (3840 / 0.7) * np.pi / 180
    pairs = [
        # An outside 3DGS render against ours: the small errors the evaluate command reports.
        ("plant-outside", crop(outside, 176, 160, 160, 128), crop(ours, 176, 160, 160, 128), default_ppd),
        # Two different views: large colour and feature errors.
        ("plant-moved", crop(ours, 96, 96, 128, 96), crop(moved, 96, 96, 128, 96), default_ppd),
        ("synthetic", synth_ref, synth_test, default_ppd),
        # A closer viewer (fewer pixels per degree: smaller filters).
        ("synthetic-ppd20", synth_ref, synth_test, 20.0),
    ]
    entries = []
    for name, ref, test, ppd in pairs:
        ref = np.ascontiguousarray(ref)
        test = np.ascontiguousarray(test)
        error_map, mean, _ = flip.evaluate(ref.astype(np.float32) / 255, test.astype(np.float32) / 255,
                                           "LDR", applyMagma=False, parameters={"ppd": float(ppd)})
        error_map = np.asarray(error_map, dtype=np.float64).reshape(ref.shape[0], ref.shape[1])
        ref.tofile(os.path.join(OUT, name + ".reference.rgb"))
        test.tofile(os.path.join(OUT, name + ".test.rgb"))
        np.round(error_map * 65535).astype("<u2").tofile(os.path.join(OUT, name + ".flip.u16"))
        entries.append({"name": name, "width": int(ref.shape[1]), "height": int(ref.shape[0]),
                        "pixelsPerDegree": float(ppd), "meanFLIP": float(mean)})
        print(f"{name}: {ref.shape[1]}x{ref.shape[0]} ppd {ppd:.3f} mean FLIP {mean:.6f}")
    with open(os.path.join(OUT, "pairs.json"), "w") as f:
        json.dump({"generator": "tools/flip_fixtures.py with flip-evaluator " + flip_version(),
                   "pairs": entries}, f, indent=1)


def flip_version():
    try:
        from importlib.metadata import version
        return version("flip-evaluator")
    except Exception:
        return "unknown"


if __name__ == "__main__":
    main()
