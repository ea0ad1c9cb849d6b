// Turns a vendor request body as a page sends it (a JSON object or string, or the FormData of
// Deepvue's multipart upload) into the plain object the wasm `handle` reads: files become
// base64 data URLs, with their names under `<field>_name` (Deepvue checks the extension).

/** @param {Blob} blob */
function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/**
 * @param {unknown} body FormData, a JSON string, or an object (whose values may be Blobs/Files)
 * @returns {Promise<unknown>}
 */
export async function requestBody(body) {
  if (typeof body === "string") {
    try {
      return JSON.parse(body);
    } catch {
      // Not JSON: the vendor's answer to an unreadable body (the wasm side says so).
      return null;
    }
  }
  const entries = typeof FormData === "function" && body instanceof FormData
    ? [...body.entries()]
    : body !== null && typeof body === "object" && !Array.isArray(body)
      ? Object.entries(body)
      : null;
  if (!entries) return body ?? null;
  const out = {};
  for (const [key, value] of entries) {
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
      out[key] = await dataUrl(new Blob([value]));
    } else if (typeof Blob === "function" && value instanceof Blob) {
      out[key] = await dataUrl(value);
      if (typeof value.name === "string" && !(`${key}_name` in out)) out[`${key}_name`] = value.name;
    } else {
      out[key] = value;
    }
  }
  return out;
}
