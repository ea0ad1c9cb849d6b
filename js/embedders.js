// Which embedder files a load needs. An `embedder` option names either one of the manifest's
// embedders or one of its fusions; a fusion runs each of its members (their vectors are joined in
// the wasm module, so one cosine is the fused similarity), and every member's file must be fetched.

import { VerifaceError } from "./errors.js";

/**
 * The embedder choice: `{ id, members }`, the members being manifest embedder entries in the
 * order the wasm module expects their bytes (the manifest's `default`, else its first embedder,
 * when `id` is not given).
 * @param {{ embedders: object[], fusions?: object[], default?: string }} models
 * @param {string | undefined} id
 */
export function resolveEmbedder(models, id = models.default) {
  const byId = (name) => models.embedders.find((e) => e.id === name);
  const fusion = id ? (models.fusions ?? []).find((f) => f.id === id) : undefined;
  const members = fusion ? fusion.members.map(byId) : [id ? byId(id) : models.embedders[0]];
  if (members.length === 0 || members.some((m) => !m)) {
    const known = [...models.embedders, ...(models.fusions ?? [])].map((e) => e.id).join(", ");
    throw new VerifaceError("UNKNOWN_MODEL", `unknown model \`${id}\`: known models are ${known}`);
  }
  return { id: fusion ? fusion.id : members[0].id, members };
}
