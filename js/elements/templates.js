// The capture elements' markup: every screen of each element, stamped once into its shadow DOM
// (hidden sections, shown one at a time by the element's `screen`). Kept apart from the
// behaviour so the words, parts and ARIA roles a page or a test relies on can be read, and
// reviewed for accessibility, in one place; the elements only fill in text and toggle classes.
// Nothing here is user data: the strings are fixed, so innerHTML is safe.

/** Copies `template`'s nodes into `root` (a shadow root), in order. */
export function stamp(root, template) {
  const holder = document.createElement("div");
  holder.innerHTML = template;
  root.append(...holder.childNodes);
}

/** <veriface-selfie>: intro, camera (also the challenge), checking, review, done, error. */
export const SELFIE_TEMPLATE = `
<section class="screen" part="screen" data-screen="intro">
  <h2 tabindex="-1" part="heading">Take a selfie</h2>
  <ol class="steps">
    <li>Allow the camera when your browser asks.</li>
    <li>Fit your face in the oval and hold still. The picture is taken for you.</li>
    <li>Follow two or three short prompts, like turning your head.</li>
  </ol>
  <p class="muted">Find good light, take off sunglasses or a hat, and hold the camera at eye level. It takes about 20 seconds.</p>
  <p class="privacy">Your camera pictures are checked on this device.</p>
  <p class="notice status-line" role="status"></p>
  <div class="actions"><button type="button" class="primary" part="button primary" data-action="start">Start</button></div>
</section>
<section class="screen" part="screen" data-screen="camera" hidden>
  <h2 class="visually-hidden" tabindex="-1" part="heading">Selfie camera</h2>
  <div class="viewport" part="viewport">
    <video class="mirror" playsinline muted aria-hidden="true"></video>
    <svg viewBox="0 0 300 400" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <path class="dim" fill-rule="evenodd" d=""></path>
      <ellipse class="guide" cx="150" cy="185" rx="105" ry="140"></ellipse>
      <path class="hold empty" d="M150 45a105 140 0 1 1 0 280a105 140 0 1 1 0 -280" pathLength="100" stroke-dasharray="100 100" stroke-dashoffset="100"></path>
      <g class="arrow-left" hidden><path class="arrow nudge-left" d="M30 185 l26 -24 v14 h22 v20 h-22 v14 z"></path></g>
      <g class="arrow-right" hidden><path class="arrow nudge-right" d="M270 185 l-26 -24 v14 h-22 v20 h22 v14 z"></path></g>
    </svg>
    <div class="stepbar" part="progress" role="progressbar" aria-label="Selfie check progress" aria-valuemin="0" hidden>
      <span class="steptext"></span><span class="dots" aria-hidden="true"></span>
    </div>
    <p class="prompt" part="prompt" role="status" aria-live="polite" aria-atomic="true"></p>
  </div>
  <p class="muted status-line camera-hint">The picture is taken automatically when you're in position.</p>
  <div class="actions"><button type="button" class="secondary" part="button secondary" data-action="cancel">Cancel</button></div>
</section>
<section class="screen" part="screen" data-screen="checking" hidden>
  <h2 tabindex="-1" part="heading">Checking your selfie…</h2>
  <div class="spinner" aria-hidden="true"></div>
  <p class="muted" role="status">This takes a few seconds.</p>
</section>
<section class="screen" part="screen" data-screen="review" hidden>
  <h2 tabindex="-1" part="heading">Check your selfie</h2>
  <img class="kept mirror" alt="">
  <p class="verdict" role="status"></p>
  <p class="tip muted"></p>
  <div class="actions">
    <button type="button" class="primary" part="button primary" data-action="confirm">Use this selfie</button>
    <button type="button" class="secondary" part="button secondary" data-action="retake">Retake</button>
  </div>
</section>
<section class="screen" part="screen" data-screen="done" hidden>
  <h2 tabindex="-1" part="heading">Selfie done</h2>
  <img class="kept good mirror" alt="">
  <p class="verdict good">Thank you. Your selfie is saved.</p>
  <div class="actions"><button type="button" class="secondary" part="button secondary" data-action="retake">Retake selfie</button></div>
</section>
<section class="screen" part="screen" data-screen="error" hidden>
  <h2 tabindex="-1" part="heading">We couldn't start the camera</h2>
  <p class="message" role="alert"></p>
  <div class="actions"><button type="button" class="primary" part="button primary" data-action="start">Try again</button></div>
</section>
<div class="loading" hidden><span class="loading-text">Getting ready…</span><progress max="1" aria-label="Getting ready"></progress></div>
`;

/** <veriface-id-capture>: intro (with the drop zone and file input), camera, checking, review, done, error. */
export const ID_CAPTURE_TEMPLATE = `
<section class="screen" part="screen" data-screen="intro">
  <h2 tabindex="-1" part="heading">Photo of your ID</h2>
  <ol class="steps">
    <li>Use the front of your ID card, or the photo page of your passport.</li>
    <li>Lay it on a dark, flat surface in good light.</li>
    <li>Make sure the whole ID is in the picture, with no glare on your photo.</li>
  </ol>
  <p class="privacy">The picture is checked on this device.</p>
  <div class="drop" part="drop">
    <p>Drop a photo of your ID here, or:</p>
  </div>
  <p class="notice status-line" role="status"></p>
  <div class="actions">
    <button type="button" class="primary" part="button primary" data-action="camera">Use the camera</button>
    <button type="button" class="secondary" part="button secondary" data-action="pick">Upload a photo</button>
  </div>
  <input type="file" accept="image/*" hidden tabindex="-1" aria-hidden="true">
</section>
<section class="screen" part="screen" data-screen="camera" hidden>
  <h2 class="visually-hidden" tabindex="-1" part="heading">ID camera</h2>
  <div class="viewport card" part="viewport">
    <video playsinline muted aria-hidden="true"></video>
    <svg viewBox="0 0 400 300" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <path class="dim" fill-rule="evenodd" d="M0 0H400V300H0Z M30 60H370V274.5H30Z"></path>
      <rect class="card-guide" x="30" y="60" width="340" height="214.5" rx="14"></rect>
    </svg>
    <p class="prompt" part="prompt" role="status" aria-live="polite" aria-atomic="true"></p>
  </div>
  <p class="muted status-line">The photo is taken automatically when the ID is sharp and in the frame.</p>
  <div class="actions">
    <button type="button" class="primary" part="button primary" data-action="shutter">Take photo now</button>
    <button type="button" class="secondary" part="button secondary" data-action="cancel">Cancel</button>
  </div>
</section>
<section class="screen" part="screen" data-screen="checking" hidden>
  <h2 tabindex="-1" part="heading">Checking the photo…</h2>
  <div class="spinner" aria-hidden="true"></div>
  <p class="file-name" role="status"></p>
</section>
<section class="screen" part="screen" data-screen="review" hidden>
  <h2 tabindex="-1" part="heading">Check your ID photo</h2>
  <img class="picture" alt="">
  <p class="file-name"></p>
  <p class="verdict" role="status"></p>
  <p class="tip muted"></p>
  <div class="actions">
    <button type="button" class="primary" part="button primary" data-action="confirm">Use this photo</button>
    <button type="button" class="secondary" part="button secondary" data-action="again">Take another</button>
  </div>
</section>
<section class="screen" part="screen" data-screen="done" hidden>
  <h2 tabindex="-1" part="heading">ID photo saved</h2>
  <img class="picture good" alt="">
  <p class="file-name"></p>
  <div class="actions"><button type="button" class="secondary" part="button secondary" data-action="again">Change photo</button></div>
</section>
<section class="screen" part="screen" data-screen="error" hidden>
  <h2 tabindex="-1" part="heading">We couldn't start the camera</h2>
  <p class="message" role="alert"></p>
  <div class="actions">
    <button type="button" class="primary" part="button primary" data-action="camera">Try again</button>
    <button type="button" class="secondary" part="button secondary" data-action="back">Upload a photo instead</button>
  </div>
</section>
<div class="loading" hidden><span>Getting ready…</span><progress max="1" aria-label="Getting ready"></progress></div>
`;
