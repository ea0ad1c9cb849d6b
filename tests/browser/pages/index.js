// The test page's script (a file, not inline: the pages are served under tools/csp.mjs, which
// allows no inline script). The package exactly as it ships, imported from its entry point.
import * as veriface from "/js/index.js";

window.veriface = veriface;
// Fetches a URL into bytes, for tests that hand the package bytes or Blobs.
window.bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
// Runs `fn` and returns the rejection as { code, message, name } (or { ok: true }).
window.codeOf = async (fn) => {
  try {
    await fn();
    return { ok: true };
  } catch (e) {
    return { code: e.code, message: e.message, name: e.name };
  }
};
