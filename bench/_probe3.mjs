import { launch, openPage, serve } from "../tests/browser/harness.mjs";
const server = await serve({});
for (let s = 0; s < 3; s++) {
  const browser = await launch();
  const { page } = await openPage(browser, server.origin);
  const out = await page.evaluate(async () => {
    const bytes = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
    const { default: init, Verifier } = await import("/pkg/veriface.js");
    await init({ module_or_path: "/pkg/veriface_relaxed_bg.wasm" });
    const f = {};
    for (const n of ["retinaface_mnet025", "faceplugin_fr_feature", "minifasnet_v2_2.7", "faceplugin_fr_eye", "iris_landmark", "face_landmark_468"]) f[n] = await bytes(`/models/${n}.onnx`);
    const T = {};
    let t = performance.now();
    const v = new Verifier(f.retinaface_mnet025, f.faceplugin_fr_feature);
    T.ctor = performance.now() - t; t = performance.now();
    v.loadPassive(f["minifasnet_v2_2.7"], f.faceplugin_fr_eye, f.iris_landmark);
    T.passive_parse = performance.now() - t; t = performance.now();
    v.loadMesh(f.face_landmark_468);
    T.mesh_parse = performance.now() - t;
    const steps = [];
    for (;;) { t = performance.now(); const more = v.prepareNext(); steps.push(Math.round(performance.now() - t)); if (!more) break; }
    T.steps = steps.join(",");
    return T;
  });
  console.log(JSON.stringify(out));
  await browser.close();
}
await server.close();
