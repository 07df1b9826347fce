#!/usr/bin/env python3
"""Times NVIDIA's reference LDR-FLIP on an image pair, for BENCHMARKS.md next to `splat4d bench-flip`.

Provenance: `pip install flip-evaluator` (NVlabs/flip's C++ implementation through its Python
binding). Usage:

    python3 tools/time_flip_reference.py TEST.png REFERENCE.png [REPEAT]

Prints the median and minimum wall-clock milliseconds of flip_evaluator.evaluate (after one
untimed run) and the mean FLIP, at the reference's default 67.02 pixels per degree. The images
are loaded once, outside the timing, as float32 sRGB in [0, 1].
"""
import statistics, sys, time
import numpy as np
import flip_evaluator as flip
from PIL import Image


def load(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0


def main():
    test, reference = load(sys.argv[1]), load(sys.argv[2])
    repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    # evaluate(reference, test, "LDR") returns (error map, mean, parameters).
    _, mean, _ = flip.evaluate(reference, test, "LDR")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        flip.evaluate(reference, test, "LDR")
        times.append((time.perf_counter() - start) * 1000)
    h, w = reference.shape[:2]
    print(f"reference flip-evaluator {flip.__version__ if hasattr(flip, '__version__') else ''}: {w}x{h}, "
          f"median {statistics.median(times):.2f} ms, min {min(times):.2f} ms over {repeat} runs, mean FLIP {mean:.5f}")


if __name__ == "__main__":
    main()
