// volume-data: size checks before allocation, channel layouts anywhere in the axis order, skips, and a gzip bomb
// that must be read only as far as the header says.

import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { pixelBytes } from "../../src/core/dtype.js";
import { InputError } from "../../src/core/errors.js";
import { checkDataFits, checkVolumeSize, readPlanes, readPrefix } from "../../src/io/volume-data.js";
import { randomPlane, seeded, withTmp } from "../helpers/image-fixtures.js";

describe("checkVolumeSize", () => {
  test("returns the payload bytes", () => {
    assert.equal(checkVolumeSize("f", [{ name: "x", size: 4 }, { name: "y", size: 3 }], "float64"), 96);
  });
  test("rejects zero, negative, fractional and absurd dimensions, naming them", () => {
    const bad: [number[], string][] = [[[4, 0], "y is 0"], [[4, -2], "y is -2"], [[2.5, 1], "x is 2.5"], [[1e6, 1e6, 1e6], "absurd"]];
    for (const [sizes, phrase] of bad) {
      assert.throws(
        () => checkVolumeSize("f", sizes.map((size, k) => ({ name: "xyz"[k]!, size })), "int16"),
        (e) => e instanceof InputError && e.message.includes(phrase),
      );
    }
  });
  test("the limit is 2^34 bytes", () => {
    assert.doesNotThrow(() => checkVolumeSize("f", [{ name: "x", size: 2 ** 33 }], "int16"));
    assert.throws(() => checkVolumeSize("f", [{ name: "x", size: 2 ** 33 + 1 }], "int16"), /absurd/);
  });
});

describe("readPlanes", () => {
  test("a channel axis in the middle (inner 2, channels 3, outer 4), raw and gzip, with a skip", async () => {
    await withTmp(async (dir) => {
      const inner = 2, nch = 3, outer = 4;
      const data = randomPlane("int16", inner * nch * outer, seeded(9));
      const bytes = Buffer.from(pixelBytes(data));
      await writeFile(join(dir, "raw"), Buffer.concat([Buffer.alloc(5), bytes]));
      await writeFile(join(dir, "gz"), gzipSync(Buffer.concat([Buffer.alloc(7), bytes])));
      const expect = (c: number) => Array.from({ length: inner * outer }, (_, i) => data[(Math.floor(i / inner) * nch + c) * inner + (i % inner)]);
      for (const planes of [
        await readPlanes("f", { path: join(dir, "raw"), offset: 5, encoding: "raw", bigEndian: false }, "int16", { inner, channels: nch, outer }),
        await readPlanes("f", { path: join(dir, "gz"), offset: 0, encoding: "deflate", skip: 7, bigEndian: false }, "int16", { inner, channels: nch, outer }),
      ]) {
        for (let c = 0; c < nch; c++) assert.deepEqual(Array.from(planes[c]!), expect(c));
      }
    });
  });

  test("a gzip bomb (4 GiB of zeros in 4 MiB) is inflated only as far as needed", async () => {
    await withTmp(async (dir) => {
      const member = gzipSync(Buffer.alloc(1 << 20)); // ~1 KiB each; concatenated members are one gzip stream
      const p = join(dir, "bomb.gz");
      await writeFile(p, Buffer.concat(Array.from({ length: 4096 }, () => member)));
      const t0 = Date.now();
      const heap0 = process.memoryUsage().rss;
      const planes = await readPlanes("bomb", { path: p, offset: 0, encoding: "deflate", bigEndian: false }, "uint8", { inner: 1 << 21, channels: 1, outer: 1 });
      assert.equal(planes[0]!.length, 1 << 21);
      assert.ok(Date.now() - t0 < 3000, "stopped early");
      assert.ok(process.memoryUsage().rss - heap0 < 512 * 2 ** 20, "did not inflate the whole stream into memory");
      assert.equal((await readPrefix("bomb", { path: p, offset: 0, encoding: "deflate", bigEndian: false }, 100)).length, 100);
    });
  });

  test("checkDataFits: a header claiming more than deflate can expand to is refused before reading", () => {
    assert.throws(
      () => checkDataFits("f", { path: "f", offset: 0, encoding: "deflate", bigEndian: false }, 2 ** 33, 1000),
      (e) => e instanceof InputError && e.message.includes("compressed stream can hold"),
    );
    assert.throws(
      () => checkDataFits("f", { path: "f", offset: 100, encoding: "raw", bigEndian: false }, 1000, 1000),
      (e) => e instanceof InputError && e.message.includes("data is truncated"),
    );
  });
});
