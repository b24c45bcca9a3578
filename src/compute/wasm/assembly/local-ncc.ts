// Local NCC (src/metrics/local-ncc.ts localNcc) in wasm: the same streamed slab algorithm, the same float64
// operations in the same order (two voxels per f64x2 where voxels are independent), so value and gradient are bit-equal.

// Layout of the scratch the caller hands over, in float64 slots of `size` (one slab): see nccScratchValues.
let size: i32 = 0;
let slabY: i32 = 0, slabX: i32 = 0, ry: i32 = 0, rx: i32 = 0;

/** Box sum along x of `rows` rows of `len` (clipped windows, radius r): metrics/box-sum.ts boxPassX. */
function boxPassX(src: usize, dst: usize, rows: i32, len: i32, r: i32): void {
  for (let row = 0; row < rows; row++) {
    const base = <usize>(row * len) << 3;
    let s: f64 = 0;
    const head = min(r, len);
    for (let m = 0; m < head; m++) s += load<f64>(src + base + (<usize>m << 3));
    const left = min(r, len - r), right = max(left, len - r);
    let k = 0;
    for (; k < left; k++) {
      s += load<f64>(src + base + (<usize>(k + r) << 3));
      store<f64>(dst + base + (<usize>k << 3), s);
    }
    for (; k < right; k++) {
      s += load<f64>(src + base + (<usize>(k + r) << 3));
      store<f64>(dst + base + (<usize>k << 3), s);
      s -= load<f64>(src + base + (<usize>(k - r) << 3));
    }
    for (; k < len; k++) {
      if (k + r < len) s += load<f64>(src + base + (<usize>(k + r) << 3));
      store<f64>(dst + base + (<usize>k << 3), s);
      if (k - r >= 0) s -= load<f64>(src + base + (<usize>(k - r) << 3));
    }
  }
}

/** Box sum along y of one slab of `len` rows of `stride` values: metrics/box-sum.ts boxPassStrided (outer = 1). */
function boxPassY(src: usize, dst: usize, len: i32, stride: i32, r: i32): void {
  const head = min(r, len - 1), rowBytes = <usize>stride << 3;
  for (let e = 0; e < stride; e++) {
    let s: f64 = 0;
    for (let m = 0; m <= head; m++) s += load<f64>(src + <usize>m * rowBytes + (<usize>e << 3));
    store<f64>(dst + (<usize>e << 3), s);
  }
  for (let k = 1; k < len; k++) {
    const at = dst + <usize>k * rowBytes, prev = at - rowBytes;
    const hasAdd = k + r < len, hasSub = k - r - 1 >= 0;
    const ka: i32 = hasAdd ? k + r : 0, ks: i32 = hasSub ? k - r - 1 : 0;
    const add = src + <usize>ka * rowBytes, sub = src + <usize>ks * rowBytes;
    let e = 0;
    if (hasAdd && hasSub) {
      for (; e + 2 <= stride; e += 2) {
        const o = <usize>e << 3;
        v128.store(at + o, f64x2.sub(f64x2.add(v128.load(prev + o), v128.load(add + o)), v128.load(sub + o)));
      }
      for (; e < stride; e++) { const o = <usize>e << 3; store<f64>(at + o, load<f64>(prev + o) + load<f64>(add + o) - load<f64>(sub + o)); }
    } else if (hasAdd) {
      for (; e + 2 <= stride; e += 2) { const o = <usize>e << 3; v128.store(at + o, f64x2.add(v128.load(prev + o), v128.load(add + o))); }
      for (; e < stride; e++) { const o = <usize>e << 3; store<f64>(at + o, load<f64>(prev + o) + load<f64>(add + o)); }
    } else if (hasSub) {
      for (; e + 2 <= stride; e += 2) { const o = <usize>e << 3; v128.store(at + o, f64x2.sub(v128.load(prev + o), v128.load(sub + o))); }
      for (; e < stride; e++) { const o = <usize>e << 3; store<f64>(at + o, load<f64>(prev + o) - load<f64>(sub + o)); }
    } else {
      memory.copy(at, prev, rowBytes);
    }
  }
}

/** The in-slab box sum of one channel from `src` into `dst` (metrics/box-sum.ts boxSumInto with dst ≠ src). */
function boxSlab(src: usize, dst: usize, scratch: usize): void {
  const doX = slabX > 1 && rx > 0, doY = slabY > 1 && ry > 0;
  if (doX && doY) {
    boxPassX(src, scratch, slabY, slabX, rx);
    boxPassY(scratch, dst, slabY, slabX, ry);
  } else if (doX) boxPassX(src, dst, slabY, slabX, rx);
  else if (doY) boxPassY(src, dst, slabY, slabX, ry);
  else memory.copy(dst, src, <usize>size << 3);
}

/** A sliding box sum (metrics/box-sum.ts slidingBoxSum): its buffers and step count, in scratch memory. */
class Sliding {
  channels: i32 = 0;
  slots: i32 = 0;
  ring: usize = 0; // slots pointers (usize each)
  running: usize = 0;
  raw: usize = 0;
  fresh: usize = 0;
  scratch: usize = 0;
  t: i32 = 0;
}

/** Lays out a sliding box sum of `channels` channels and 2r + 1 slots from `at`, zeroed; returns the next free byte. */
function initSliding(s: Sliding, channels: i32, r: i32, at: usize): usize {
  const bytes = <usize>(channels * size) << 3;
  s.channels = channels;
  s.slots = 2 * r + 1;
  s.t = 0;
  s.ring = at;
  let p = at + ((<usize>s.slots * sizeof<usize>() + 15) & ~15);
  for (let k = 0; k < s.slots; k++) {
    store<usize>(s.ring + <usize>k * sizeof<usize>(), p);
    p += bytes;
  }
  s.running = p; p += bytes;
  s.raw = p; p += bytes;
  s.fresh = p; p += bytes;
  s.scratch = p; p += <usize>size << 3;
  memory.fill(at + ((<usize>s.slots * sizeof<usize>() + 15) & ~15), 0, p - at - ((<usize>s.slots * sizeof<usize>() + 15) & ~15));
  return p;
}

/** After the raw slab is filled (or `filled` false: zeros), advances; true when `running` holds slab t − r's sums. */
function stepSliding(s: Sliding, filled: bool, r: i32): bool {
  const slot = s.t % s.slots, slotAt = s.ring + <usize>slot * sizeof<usize>();
  const old = load<usize>(slotAt);
  const cBytes = <usize>size << 3, n = s.channels * size;
  if (filled) {
    for (let c = 0; c < s.channels; c++) boxSlab(s.raw + <usize>c * cBytes, s.fresh + <usize>c * cBytes, s.scratch);
  } else memory.fill(s.fresh, 0, <usize>n << 3);
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const o = <usize>k << 3;
    v128.store(s.running + o, f64x2.add(v128.load(s.running + o), f64x2.sub(v128.load(s.fresh + o), v128.load(old + o))));
  }
  for (; k < n; k++) {
    const o = <usize>k << 3;
    store<f64>(s.running + o, load<f64>(s.running + o) + (load<f64>(s.fresh + o) - load<f64>(old + o)));
  }
  store<usize>(slotAt, s.fresh);
  s.fresh = old;
  s.t++;
  return s.t - 1 >= r;
}

const moments = new Sliding(), coefficients = new Sliding();
// Input slabs live in rings of 2r + 1 slots (slab t in slot t mod slots): the gradient of slab t − 2r needs them.
let fixedRing: usize = 0, warpedRing: usize = 0, countedRing: usize = 0, gradientSlab: usize = 0, ringSlots: i32 = 0;
let masked = false, exactMode = false, length: i32 = 0, radius: i32 = 0;
let meanF: f64 = 0, meanW: f64 = 0, floorF: f64 = 0, floorW: f64 = 0, scale: f64 = 0, ccTotal: f64 = 0;
let extentSlow: usize = 0, extentSlab: usize = 0, local: usize = 0;

@inline function slot(t: i32): usize {
  return <usize>((t % ringSlots) * size);
}

/** Raw slab t of f, w, f², w², f·w (and the indicator with masks) into `out`: local-ncc.ts fillMoments. */
function fillMoments(t: i32, out: usize): void {
  const s = <usize>size << 3, at = slot(t);
  for (let p = 0; p < size; p++) {
    const i = at + <usize>p;
    const use = !masked || load<u8>(countedRing + i) != 0;
    const f: f64 = use ? <f64>load<f32>(fixedRing + (i << 2)) - meanF : 0;
    const w: f64 = use ? <f64>load<f32>(warpedRing + (i << 2)) - meanW : 0;
    const o = out + (<usize>p << 3);
    store<f64>(o, f);
    store<f64>(o + s, w);
    store<f64>(o + 2 * s, f * f);
    store<f64>(o + 3 * s, w * w);
    store<f64>(o + 4 * s, f * w);
    if (masked) store<f64>(o + 5 * s, use ? 1.0 : 0.0);
  }
}

/** α, β, γ of the windows centred in slab `centre` into `out`, returning Σ cc: local-ncc.ts windowCoefficients. */
function windowCoefficients(centre: i32, sums: usize, out: usize): f64 {
  const s = <usize>size << 3, at = slot(centre);
  const slow = <f64>load<i32>(extentSlow + (<usize>centre << 2));
  let ccSum: f64 = 0;
  for (let p = 0; p < size; p++) {
    const q = <usize>p << 3;
    const m: f64 = masked ? load<f64>(sums + 5 * s + q) : slow * load<f64>(extentSlab + q);
    const sf = load<f64>(sums + q), sw = load<f64>(sums + s + q), mF = sf / m, mW = sw / m;
    const a = load<f64>(sums + 4 * s + q) - sf * mW;
    const b = load<f64>(sums + 2 * s + q) - sf * mF;
    const c = load<f64>(sums + 3 * s + q) - sw * mW;
    if (!(b > floorF * m && c > floorW * m) || (masked && load<u8>(countedRing + at + <usize>p) == 0)) {
      store<f64>(out + q, 0);
      store<f64>(out + s + q, 0);
      store<f64>(out + 2 * s + q, 0);
      continue;
    }
    const inverseBC = 1 / (b * c);
    const alpha = 2 * a * inverseBC;
    const beta = alpha * a * b * inverseBC;
    ccSum += a * a * inverseBC;
    store<f64>(out + q, alpha);
    store<f64>(out + s + q, beta);
    store<f64>(out + 2 * s + q, beta * mW - alpha * mF);
  }
  return ccSum;
}

/** Gradient of slab `t` from α, β, γ into the gradient slab (0 where not counted): local-ncc.ts writeGradient. */
function writeGradient(t: i32, coef: usize): void {
  const s = <usize>size << 3, at = slot(t);
  for (let p = 0; p < size; p++) {
    const i = at + <usize>p, g = gradientSlab + (<usize>p << 2);
    if (masked && load<u8>(countedRing + i) == 0) {
      store<f32>(g, 0);
      continue;
    }
    const q = <usize>p << 3;
    const f = <f64>load<f32>(fixedRing + (i << 2)) - meanF, w = <f64>load<f32>(warpedRing + (i << 2)) - meanW;
    store<f32>(g, <f32>(scale * (f * load<f64>(coef + q) - w * load<f64>(coef + s + q) + load<f64>(coef + 2 * s + q))));
  }
}

/** Clipped window lengths along one axis, as int32 (local-ncc.ts windowExtents). */
function windowExtents(len: i32, r: i32, out: usize): void {
  for (let k = 0; k < len; k++) store<i32>(out + (<usize>k << 2), min(len - 1, k + r) - max(0, k - r) + 1);
}

/**
 * Starts localNcc's slab loop over an image of [nz, ny, nx], window radius [rz, ry, rx], in `scratch`
 * (nccScratchBytes bytes). Slabs are rows of a 2D image (nz = 1), planes of a volume. Then, for t = 0 … L + r − 1
 * (L slabs, r the radius along them), the caller writes slab t (t < L) at nccFixedSlab(t), nccWarpedSlab(t),
 * nccCountedSlab(t) and calls nccStep(t); in exact mode nccTail(t) for t = L … L + r − 1 follows. `exact`: 1, or 0
 * for the "ants" gradient; `isMasked`: 1 when counted bytes are given.
 */
export function nccBegin(
  isMasked: i32, nz: i32, ny: i32, nx: i32, rz: i32, ryIn: i32, rxIn: i32,
  exact: i32, mF: f64, mW: f64, fF: f64, fW: f64, sc: f64, scratch: usize,
): void {
  masked = isMasked != 0; exactMode = exact != 0;
  meanF = mF; meanW = mW; floorF = fF; floorW = fW; scale = sc; ccTotal = 0;
  const volume = nz > 1;
  length = volume ? nz : ny; radius = volume ? rz : ryIn;
  slabY = volume ? ny : 1; slabX = nx; ry = volume ? ryIn : 0; rx = rxIn;
  size = slabY * slabX;
  ringSlots = 2 * radius + 1;
  let p = scratch;
  extentSlow = p; p += (<usize>length * 4 + 15) & ~15;
  windowExtents(length, radius, extentSlow);
  extentSlab = p; p += <usize>size << 3;
  if (!masked) {
    const ey = p; p += (<usize>slabY * 4 + 15) & ~15;
    const ex = p; p += (<usize>slabX * 4 + 15) & ~15;
    windowExtents(slabY, ry, ey);
    windowExtents(slabX, rx, ex);
    for (let y = 0; y < slabY; y++) for (let x = 0; x < slabX; x++) {
      store<f64>(extentSlab + (<usize>(y * slabX + x) << 3), <f64>(load<i32>(ey + (<usize>y << 2)) * load<i32>(ex + (<usize>x << 2))));
    }
  }
  local = p; p += <usize>(3 * size) << 3;
  fixedRing = p; p += (<usize>(ringSlots * size) * 4 + 15) & ~15;
  warpedRing = p; p += (<usize>(ringSlots * size) * 4 + 15) & ~15;
  countedRing = p; p += (<usize>(ringSlots * size) + 15) & ~15;
  gradientSlab = p; p += (<usize>size * 4 + 15) & ~15;
  p = initSliding(moments, masked ? 6 : 5, radius, p);
  if (exactMode) initSliding(coefficients, 3, radius, p);
}

export function nccFixedSlab(t: i32): usize { return fixedRing + (slot(t) << 2); }
export function nccWarpedSlab(t: i32): usize { return warpedRing + (slot(t) << 2); }
export function nccCountedSlab(t: i32): usize { return countedRing + slot(t); }
export function nccGradientSlab(): usize { return gradientSlab; }
/** Σ cc so far. */
export function nccSum(): f64 { return ccTotal; }

/** Step t of localNcc's loop; returns the slab whose gradient is now in nccGradientSlab(), or −1. */
export function nccStep(t: i32): i32 {
  if (t < length) fillMoments(t, moments.raw);
  if (!stepSliding(moments, t < length, radius)) return -1;
  const centre = t - radius;
  if (!exactMode) {
    ccTotal += windowCoefficients(centre, moments.running, local);
    writeGradient(centre, local);
    return centre;
  }
  ccTotal += windowCoefficients(centre, moments.running, coefficients.raw);
  if (!stepSliding(coefficients, true, radius)) return -1;
  writeGradient(centre - radius, coefficients.running);
  return centre - radius;
}

/** Exact mode, t = L … L + r − 1: the last box sums of α, β, γ; returns the slab whose gradient was written. */
export function nccTail(t: i32): i32 {
  stepSliding(coefficients, false, radius);
  writeGradient(t - radius, coefficients.running);
  return t - radius;
}

/** Scratch bytes nccBegin lays out for an image of [nz, ny, nx] and window radius [rz, ry, ·]. */
export function nccScratchBytes(nz: i32, ny: i32, nx: i32, rz: i32, ryIn: i32): usize {
  const volume = nz > 1, len = volume ? nz : ny, r = volume ? rz : ryIn, sz = <usize>(volume ? ny * nx : nx);
  const ring = <usize>(2 * r + 1) * sz;
  return ((<usize>len * 4 + 15) & ~15) + sz * 8 + ((<usize>ny * 4 + 15) & ~15) + ((<usize>nx * 4 + 15) & ~15) + 3 * sz * 8
    + ring * 9 + sz * 4 + 64 + slidingBytes(6, r, sz) + slidingBytes(3, r, sz);
}

/** Bytes initSliding lays out for `channels` channels, radius r, slabs of `sz` values. */
function slidingBytes(channels: i32, r: i32, sz: usize): usize {
  return ((<usize>(2 * r + 1) * sizeof<usize>() + 15) & ~15) + (<usize>(2 * r + 5) * <usize>channels * sz + sz) * 8;
}
