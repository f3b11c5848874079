// The crop dialog: the chosen picture in a frame of its slot's shape, moved by drag, arrow keys,
// and zoomed by slider, wheel, pinch and +/-. It answers a crop in the picture's own pixels, as a
// person sees it: the server crops the original file, and the browser never re-encodes it.
'use strict';

window.CropDialog = (() => {
  const byId = (id) => document.getElementById(id);
  const MAX_ZOOM = 8;
  const STEP = 10; // display pixels an arrow key moves the picture (five times with Shift)

  // Where the picture is: its scale (display pixels per picture pixel) and its top left corner
  // in the frame, with the limits that keep the frame covered.
  const view = { width: 0, height: 0, frameWidth: 0, frameHeight: 0, fit: 1, zoom: 1, x: 0, y: 0 };

  const scale = () => view.fit * view.zoom;

  // The point to keep in view, in frame pixels, while "keep this part in view" is checked.
  let mark = null;
  const keeping = () => byId('crop-keep').checked;

  function drawMark() {
    const marker = byId('crop-marker');
    marker.hidden = mark === null;
    if (mark !== null) Object.assign(marker.style, { left: `${mark.x}px`, top: `${mark.y}px` });
  }

  function setMark(x, y) {
    mark = {
      x: Math.min(view.frameWidth, Math.max(0, x)),
      y: Math.min(view.frameHeight, Math.max(0, y)),
    };
    drawMark();
  }

  // The marked point as the upload's focus: "x,y", fractions of the whole picture.
  function focus() {
    if (mark === null) return null;
    const s = scale();
    const x = Math.min(1, Math.max(0, (mark.x - view.x) / s / view.width));
    const y = Math.min(1, Math.max(0, (mark.y - view.y) / s / view.height));
    return `${x.toFixed(4)},${y.toFixed(4)}`;
  }

  function clamp() {
    const s = scale();
    view.x = Math.min(0, Math.max(view.frameWidth - view.width * s, view.x));
    view.y = Math.min(0, Math.max(view.frameHeight - view.height * s, view.y));
  }

  function draw() {
    clamp();
    byId('crop-picture').style.transform =
      `translate(${view.x}px, ${view.y}px) scale(${scale()})`;
    byId('crop-zoom').value = String(view.zoom);
  }

  // Zooms to `zoom`, keeping the picture's point under (atX, atY) of the frame where it is.
  function zoomTo(zoom, atX = view.frameWidth / 2, atY = view.frameHeight / 2) {
    const before = scale();
    view.zoom = Math.min(MAX_ZOOM, Math.max(1, zoom));
    const ratio = scale() / before;
    view.x = atX - (atX - view.x) * ratio;
    view.y = atY - (atY - view.y) * ratio;
    draw();
  }

  function moveBy(dx, dy) {
    view.x += dx;
    view.y += dy;
    draw();
  }

  // The frame's part of the picture, in whole picture pixels: "x,y,width,height".
  function crop() {
    const s = scale();
    const width = Math.max(1, Math.min(view.width, Math.round(view.frameWidth / s)));
    const height = Math.max(1, Math.min(view.height, Math.round(view.frameHeight / s)));
    const x = Math.min(view.width - width, Math.max(0, Math.round(-view.x / s)));
    const y = Math.min(view.height - height, Math.max(0, Math.round(-view.y / s)));
    return `${x},${y},${width},${height}`;
  }

  function place(aspect) {
    const frame = byId('crop-frame');
    frame.style.aspectRatio = String(aspect);
    const box = frame.getBoundingClientRect();
    Object.assign(view, { frameWidth: box.width, frameHeight: box.height, zoom: 1 });
    view.fit = Math.max(box.width / view.width, box.height / view.height);
    view.x = (box.width - view.width * view.fit) / 2;
    view.y = (box.height - view.height * view.fit) / 2;
    draw();
  }

  function onKey(event) {
    const step = event.shiftKey ? STEP * 5 : STEP;
    const moves = {
      ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step],
    };
    if (moves[event.key] && keeping()) {
      const [dx, dy] = moves[event.key];
      setMark(mark.x - dx, mark.y - dy); // the mark moves the key's way
    } else if (moves[event.key]) {
      moveBy(...moves[event.key]); // the picture moves so that the frame moves the key's way
    } else if (event.key === '+' || event.key === '=') {
      zoomTo(view.zoom * 1.25);
    } else if (event.key === '-' || event.key === '_') {
      zoomTo(view.zoom / 1.25);
    } else {
      return;
    }
    event.preventDefault();
    announce();
  }

  // Where the frame is, for a screen reader, after a key moved or zoomed it.
  let announcing = 0;
  function announce() {
    clearTimeout(announcing);
    announcing = setTimeout(() => {
      const [x, y, width, height] = crop().split(',');
      byId('crop-position').textContent =
        `Showing ${width} by ${height} pixels, from ${x} across and ${y} down.`;
    }, 300);
  }

  // Dragging with one pointer, pinching with two.
  const pointers = new Map();
  let pinch = null;

  function onPointerDown(event) {
    if (keeping()) {
      const box = byId('crop-frame').getBoundingClientRect();
      setMark(event.clientX - box.left, event.clientY - box.top);
      return;
    }
    try {
      event.currentTarget.setPointerCapture(event.pointerId); // moves outside the frame count
    } catch {
      // A pointer already gone: its moves, if any, still reach the frame.
    }
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    pinch = pointers.size === 2 ? spread() : null; // zoom follows the fingers from here
    if (pinch === 0) pinch = null; // two touches at one point: wait until they part
  }

  function spread() {
    const [a, b] = [...pointers.values()];
    return Math.hypot(a.x - b.x, a.y - b.y);
  }

  function onPointerMove(event) {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    const now = { x: event.clientX, y: event.clientY };
    pointers.set(event.pointerId, now);
    if (pointers.size === 1) {
      moveBy(now.x - last.x, now.y - last.y);
      return;
    }
    const [a, b] = [...pointers.values()];
    const distance = spread();
    const box = byId('crop-frame').getBoundingClientRect();
    const mid = { x: (a.x + b.x) / 2 - box.left, y: (a.y + b.y) / 2 - box.top };
    if (pinch && distance) zoomTo(view.zoom * (distance / pinch), mid.x, mid.y);
    pinch = distance || null;
  }

  function onPointerUp(event) {
    pointers.delete(event.pointerId);
    pinch = null;
  }

  function onWheel(event) {
    event.preventDefault();
    const box = byId('crop-frame').getBoundingClientRect();
    zoomTo(view.zoom * Math.exp(-event.deltaY / 500), event.clientX - box.left,
      event.clientY - box.top);
  }

  // A frame resized (a phone turned, a window resized) keeps showing the same part.
  function keepFraming() {
    const box = byId('crop-frame').getBoundingClientRect();
    if (!byId('crop').open || !box.width || box.width === view.frameWidth) return;
    const [x, y, width] = crop().split(',').map(Number);
    const s = box.width / width;
    Object.assign(view, { frameWidth: box.width, frameHeight: box.height });
    view.fit = Math.max(box.width / view.width, box.height / view.height);
    view.zoom = Math.min(MAX_ZOOM, Math.max(1, s / view.fit));
    view.x = -x * scale();
    view.y = -y * scale();
    draw();
  }

  let wired = false;
  function wire() {
    if (wired) return;
    wired = true;
    const frame = byId('crop-frame');
    new ResizeObserver(keepFraming).observe(frame);
    frame.addEventListener('keydown', onKey);
    frame.addEventListener('pointerdown', onPointerDown);
    frame.addEventListener('pointermove', onPointerMove);
    frame.addEventListener('pointerup', onPointerUp);
    frame.addEventListener('pointercancel', onPointerUp);
    frame.addEventListener('wheel', onWheel, { passive: false });
    byId('crop-zoom').addEventListener('input', (event) => zoomTo(Number(event.target.value)));
    byId('crop-keep').addEventListener('change', () => {
      mark = null;
      if (keeping()) setMark(view.frameWidth / 2, view.frameHeight / 2);
      drawMark();
    });
  }

  // Shows `file` in the dialog, framed as `aspect` (width / height) and `round` (a circle, for
  // the profile image). Resolves { crop, focus } (focus null unless a point was marked), null
  // when cancelled, or 'whole' when this browser cannot show the file (a HEIC, in most): then
  // it goes up whole, and the server frames it.
  async function frame(file, { title, aspect, round }) {
    wire();
    const dialog = byId('crop');
    const picture = byId('crop-picture');
    const url = URL.createObjectURL(file);
    picture.src = url;
    try {
      await picture.decode();
    } catch {
      URL.revokeObjectURL(url);
      return 'whole';
    }
    view.width = picture.naturalWidth;
    view.height = picture.naturalHeight;
    byId('crop-title').textContent = title;
    byId('crop-frame').classList.toggle('round', round);
    const opener = document.activeElement;
    pointers.clear();
    pinch = null;
    byId('crop-position').textContent = '';
    byId('crop-keep').checked = false;
    mark = null;
    drawMark();
    dialog.showModal();
    place(aspect);
    byId('crop-frame').focus();
    const answer = await new Promise((resolve) => {
      const finish = (value) => {
        byId('crop-use').onclick = null;
        byId('crop-cancel').onclick = null;
        dialog.oncancel = null;
        dialog.close();
        resolve(value);
      };
      byId('crop-use').onclick = () => finish({ crop: crop(), focus: focus() });
      byId('crop-cancel').onclick = () => finish(null);
      dialog.oncancel = (event) => { event.preventDefault(); finish(null); }; // Escape
    });
    URL.revokeObjectURL(url);
    picture.removeAttribute('src');
    if (opener && typeof opener.focus === 'function') opener.focus();
    return answer;
  }

  const isOpen = () => byId('crop').open;

  return { frame, isOpen };
})();
