#!/usr/bin/env python3
# How far the images and the landmarks of an ANHIR pair can pin a registration: leave-one-out predictions of each
# landmark from the others, and block matching at each landmark. Evidence for BENCHMARKS ("ANHIR lung: what limits it").
"""
Usage (from the repository root, after `npm run build`):

  node dist/src/cli/main.js register DATA/fixed.jpg DATA/moving.jpg -o AFFINE --deformable none --force \
      --fixed-landmarks DATA/fixed_landmarks.csv --moving-landmarks DATA/moving_landmarks.csv
  node dist/src/cli/main.js register DATA/fixed.jpg DATA/moving.jpg -o RUN --force \
      --fixed-landmarks DATA/fixed_landmarks.csv --moving-landmarks DATA/moving_landmarks.csv
  python3 bench/analysis/anhir_landmark_evidence.py DATA AFFINE RUN [--region CX,CY,RX,RY]

Needs numpy, scipy, tifffile (Debian: python3-numpy python3-scipy python3-tifffile) and `vips` (libvips-tools), which
decodes the fixed JPEG. All errors are in pixels of the pair's images.

1. Leave-one-out: each landmark's moving position predicted from the other landmarks by an affine fit and by thin-plate
   splines. If the landmarks were samples of one smooth map, a smooth model of the others would predict each one well.
2. Block matching: around each fixed landmark, the (2R+1)² patch of the fixed image is compared, by |NCC|, with the
   moving image already warped by the affine-only run, over shifts of up to ±12 px, for several grey images of the
   colour slides. The shift with the best score is where the images alone put the landmark's partner; its distance
   to the annotated partner (mapped back through the affine) shows what local image evidence can pin.
3. The run's error, by landmark, inside and outside an ellipse (--region, e.g. a lesion), against the affine-only run.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import tifffile
from scipy import ndimage as ndi
from scipy.interpolate import RBFInterpolator

SEARCH = 12


def read_csv(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1)
    return {int(r[0]): r[1:3] for r in a}


def transform_points(run, csv, inverse, out):
    cmd = ["node", "dist/src/cli/main.js", "transform-points", "--transform", os.path.join(run, "transform"),
           "--in", csv, "--out", out] + (["--inverse"] if inverse else [])
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return read_csv(out)


def rgb_tiff(path):
    """The image as float (y, x, 3): TIFF directly (channel-first or -last), JPEG/PNG through vips."""
    if not path.endswith((".tif", ".tiff")):
        tmp = tempfile.NamedTemporaryFile(suffix=".tif", delete=False).name
        subprocess.run(["vips", "copy", path, tmp], check=True)
        path = tmp
    a = tifffile.imread(path).astype(np.float64)
    if a.ndim == 3 and a.shape[0] in (3, 4) and a.shape[-1] not in (3, 4):
        a = np.moveaxis(a, 0, -1)
    return a[..., :3]


GREYS = {
    "luminance": lambda x: x @ [0.2126, 0.7152, 0.0722],
    "saturation": lambda x: x.max(-1) - x.min(-1),
    "min channel": lambda x: x.min(-1),
    "optical density": lambda x: -np.log((x + 1) / 256).sum(-1),
    "gradient magnitude": lambda x: np.hypot(*np.gradient(ndi.gaussian_filter(x @ [0.2126, 0.7152, 0.0722], 1))),
    "luminance, σ 2": lambda x: ndi.gaussian_filter(x @ [0.2126, 0.7152, 0.0722], 2),
}


def ncc(a, b):
    a = a - a.mean()
    b = b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum() + 1e-12))


def block_match(fixed, warped, points, r):
    """Best |NCC| shift per point (None where the search window leaves the image)."""
    h, w = fixed.shape
    out = []
    for x, y in np.round(points).astype(int):
        if x - r - SEARCH < 0 or y - r - SEARCH < 0 or x + r + SEARCH >= w or y + r + SEARCH >= h:
            out.append(None)
            continue
        patch = fixed[y - r:y + r + 1, x - r:x + r + 1]
        best = max((abs(ncc(patch, warped[y + dy - r:y + dy + r + 1, x + dx - r:x + dx + r + 1])), dx, dy)
                   for dy in range(-SEARCH, SEARCH + 1) for dx in range(-SEARCH, SEARCH + 1))
        out.append(best)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("affine_run")
    ap.add_argument("run")
    ap.add_argument("--region", help="ellipse CX,CY,RX,RY in fixed pixels for the inside/outside split")
    ap.add_argument("--radius", type=int, default=15, help="block-matching patch radius R (default 15)")
    a = ap.parse_args()
    fcsv, mcsv = os.path.join(a.data, "fixed_landmarks.csv"), os.path.join(a.data, "moving_landmarks.csv")
    F, M = read_csv(fcsv), read_csv(mcsv)
    ids = sorted(set(F) & set(M))
    f, m = np.array([F[i] for i in ids]), np.array([M[i] for i in ids])
    tmp = tempfile.mkdtemp()
    aff_back = transform_points(a.affine_run, mcsv, True, os.path.join(tmp, "aff_back.csv"))
    run_fwd = transform_points(a.run, fcsv, False, os.path.join(tmp, "run_fwd.csv"))
    aff_fwd = transform_points(a.affine_run, fcsv, False, os.path.join(tmp, "aff_fwd.csv"))
    truth_shift = np.array([aff_back[i] for i in ids]) - f  # the annotated partner, in the affine-warped frame
    err_run = np.hypot(*(np.array([run_fwd[i] for i in ids]) - m).T)
    err_aff = np.hypot(*(np.array([aff_fwd[i] for i in ids]) - m).T)
    nn = np.hypot(*(f[:, None] - f[None]).transpose(2, 0, 1))
    np.fill_diagonal(nn, np.inf)
    print(f"{len(ids)} landmarks, median nearest-neighbour spacing {np.median(nn.min(1)):.1f} px")
    print(f"registration error, median: affine-only run {np.median(err_aff):.2f} px, run {np.median(err_run):.2f} px")

    print("\n1. each landmark predicted from the others (leave one out), median error:")
    for name, kernel, smoothing in [("affine fit", None, 0), ("thin-plate spline", "thin_plate_spline", 0),
                                    ("thin-plate spline, smoothing 1e3", "thin_plate_spline", 1e3),
                                    ("thin-plate spline, smoothing 1e4", "thin_plate_spline", 1e4)]:
        errs = []
        for k in range(len(ids)):
            keep = np.arange(len(ids)) != k
            if kernel is None:
                A = np.c_[f[keep], np.ones(keep.sum())]
                p = np.r_[f[k], 1] @ np.linalg.lstsq(A, m[keep], rcond=None)[0]
            else:
                p = RBFInterpolator(f[keep], m[keep], kernel=kernel, smoothing=smoothing)(f[k:k + 1])[0]
            errs.append(np.hypot(*(p - m[k])))
        print(f"   {name:36s} {np.median(errs):.2f} px")

    fixed_rgb, warped_rgb = rgb_tiff(os.path.join(a.data, "fixed.jpg")), rgb_tiff(os.path.join(a.affine_run, "warped.ome.tif"))
    print(f"\n2. block matching ({2 * a.radius + 1}² patches, ±{SEARCH} px, on the affine-warped moving image), "
          f"median distance to the annotated partner (the affine alone: {np.median(np.hypot(*truth_shift.T)):.2f} px):")
    for name, grey in GREYS.items():
        res = block_match(grey(fixed_rgb), grey(warped_rgb), f, a.radius)
        ok = [k for k, v in enumerate(res) if v is not None]
        shift = np.array([res[k][1:] for k in ok])
        d = np.hypot(*(shift - truth_shift[ok]).T)
        print(f"   {name:20s} {np.median(d):.2f} px over {len(ok)} landmarks, median best |NCC| "
              f"{np.median([res[k][0] for k in ok]):.2f}")

    if a.region:
        cx, cy, rx, ry = (float(v) for v in a.region.split(","))
        inside = np.hypot((f[:, 0] - cx) / rx, (f[:, 1] - cy) / ry) < 1
        print("\n3. registration error by region, median (affine-only run → run):")
        for name, sel in [("inside", inside), ("outside", ~inside)]:
            print(f"   {name:8s} {sel.sum():3d} landmarks: {np.median(err_aff[sel]):.2f} → {np.median(err_run[sel]):.2f} px")


if __name__ == "__main__":
    sys.exit(main())
