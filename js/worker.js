// The package's Web Worker: loads the engine and answers calls from index.js, so a 300 ms
// compare never blocks the page. One call runs at a time (wasm is single-threaded); the rest
// queue in the worker's message queue.

import { loadEngine } from "./engine.js";
import { serializeError } from "./errors.js";

let engine = null;

self.onmessage = async (event) => {
  const { id, op, args } = event.data ?? {};
  const reply = (msg, transfer = []) => self.postMessage({ id, ...msg }, transfer);
  try {
    if (op === "load") {
      engine = await loadEngine(args[0], (progress) => reply({ progress }));
      reply({ ok: true, value: engine.info });
      return;
    }
    if (!engine) throw { code: "VERIFIER_CLOSED", message: "the verifier is not loaded: call Veriface.load() first" };
    if (op === "compare") reply({ ok: true, value: engine.compare(args[0], args[1], args[2]) });
    else if (op === "detect") reply({ ok: true, value: engine.detect(args[0]) });
    else if (op === "handle") reply({ ok: true, value: engine.handle(args[0], args[1]) });
    else if (op === "quality") reply({ ok: true, value: engine.quality(args[0], args[1]) });
    else if (op === "liveness") reply({ ok: true, value: engine.liveness(args[0], args[1]) });
    else if (op === "memory") reply({ ok: true, value: engine.memory() });
    else if (op === "prepared") reply({ ok: true, value: await engine.prepared() });
    else if (op === "format") reply({ ok: true, value: engine.format(args[0], args[1], args[2]) });
    else if (op === "newChallenge") reply({ ok: true, value: engine.newChallenge(args[0]) });
    else if (op === "followChallenge") reply({ ok: true, value: engine.followChallenge(args[0]) });
    else if (op === "verifyChallenge") reply({ ok: true, value: engine.verifyChallenge(args[0]) });
    else if (op === "close") {
      engine.close();
      engine = null;
      reply({ ok: true, value: null });
    } else throw { code: "BAD_PARAMETER", message: `unknown operation ${op}` };
  } catch (err) {
    const error = serializeError(err);
    // After a trap this worker's wasm is unusable: the page side replaces the worker.
    reply({ ok: false, error, crashed: error.code === "ENGINE_CRASHED" });
  }
};
