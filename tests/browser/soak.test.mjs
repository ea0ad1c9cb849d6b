// The short soak (bench/soak.mjs with 1,000 guidance frames and 50 liveness checks): after the
// warm-up, neither the wasm memory nor the JS heaps may grow by more than 5%. The long run
// (10,000 frames, 500 checks) is `node bench/soak.mjs`, figures in the README.
import { test } from "node:test";
import assert from "node:assert/strict";
import { skipEval } from "./harness.mjs";
import { soak } from "../../bench/soak.mjs";

test("1,000 guidance frames and 50 liveness checks: memory flat after warm-up", { skip: skipEval, timeout: 600000 }, async () => {
  const r = await soak({ frames: 1000, liveness: 50, every: 50 });
  console.log(`# soak: ${JSON.stringify({ ...r, samples: undefined })}`);
  assert.ok(r.faces_found > 900, `the face was found in ${r.faces_found} of 1000 frames: not a soak of the real path`);
  for (const [phase, g] of Object.entries(r.growth)) {
    assert.notEqual(g.wasm_bytes, null, `${phase}: no wasm memory samples`);
    for (const [series, v] of Object.entries(g)) {
      if (v === null) continue;
      assert.ok(v <= 0.05, `${phase}: ${series} grew ${(v * 100).toFixed(1)}% after warm-up`);
    }
  }
});
