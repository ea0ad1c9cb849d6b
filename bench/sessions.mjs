// What the browser benches that pair runs share: their options (--runs, --sessions, --json), fresh
// Chromium sessions on one server, and the quantile they report medians and spreads with.
import { parseArgs } from "node:util";
import { launch, openPage, haveEval, evalDir } from "../tests/browser/harness.mjs";

/**
 * The command line: --runs N (default 10), --sessions S (default 3), --json, and the bench's
 * own `options` (parseArgs form). Exits with a message when ../shared/eval is absent.
 */
export function benchArgs(options = {}) {
  const { values: opts } = parseArgs({
    options: {
      runs: { type: "string", default: "10" },
      sessions: { type: "string", default: "3" },
      json: { type: "boolean", default: false },
      ...options,
    },
  });
  if (!haveEval) {
    console.error(`no eval data at ${evalDir}: set VERIFACE_EVAL_DIR`);
    process.exit(2);
  }
  return { opts, runs: Math.max(1, Number(opts.runs)), sessions: Math.max(1, Number(opts.sessions)) };
}

/**
 * Runs `each(page, s)` in `count` fresh browser sessions (a new Chromium each, so nothing is
 * cached or warmed from one to the next), printing the page's log when it throws; closes
 * `server` when done or failed.
 */
export async function inSessions(server, count, each) {
  try {
    for (let s = 0; s < count; s++) {
      const browser = await launch();
      try {
        const { page, logs } = await openPage(browser, server.origin);
        try {
          await each(page, s);
        } catch (err) {
          console.error(logs.join("\n"));
          throw err;
        }
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.close();
  }
}

/** The `q` quantile of `xs` (nearest rank). */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}
