// The Content-Security-Policy the demo server sends, and every browser test page is served with:
// one list, so the tests prove the package works under the policy a careful site would set. No
// 'unsafe-eval' and no inline script: WebAssembly compiles under 'wasm-unsafe-eval' alone; the
// Web Worker is a same-origin module; the camera is a mediastream; the capture elements style
// themselves with constructable style sheets, which style-src 'self' allows.
export const CSP = [
  "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'",
  "img-src 'self' blob: data:", "media-src 'self' blob: mediastream:", "style-src 'self'",
  "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'",
].join("; ");
