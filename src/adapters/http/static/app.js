// The page: every call goes through the API guide's UserImagesService, loaded before this file.
'use strict';

(() => {
  const byId = (id) => document.getElementById(id);
  const TOKEN_KEY = 'imagecore-token';
  const SLOTS = {
    profile_image: {
      label: 'Profile image',
      upload: (service, file) => service.uploadProfileImage(file),
      remove: (service) => service.deleteProfileImage(),
      zone: 'profile', progress: 'profile-progress', input: 'profile-file', remover: 'profile-delete',
      describer: 'profile-describe', alt: 'profile-alt',
      // As wide as the portrait is drawn (app.css): the browser picks from srcset for it.
      sizes: '(max-width: 600px) 96px, 132px',
    },
    cover_image: {
      label: 'Cover image',
      upload: (service, file) => service.uploadCoverImage(file),
      remove: (service) => service.deleteCoverImage(),
      zone: 'cover', progress: 'cover-progress', input: 'cover-file', remover: 'cover-delete',
      describer: 'cover-describe', alt: 'cover-alt',
      sizes: '(max-width: 960px) 100vw, 928px',
    },
  };

  let service = null;
  let shown = { profile_image: null, cover_image: null };
  let details = { profile_image: null, cover_image: null };
  const inFlight = new Set(); // slots with an upload under way: their preview stays until it ends

  const say = (message) => { byId('status').textContent = message; };
  const showError = (message) => { byId('errors').textContent = message; };
  const clearError = () => { byId('errors').textContent = ''; };
  const isDefault = (url) => !url || url.includes('/resume/defaults/');

  function coverImage(create) {
    let img = byId('cover-img');
    if (!img && create) {
      img = document.createElement('img');
      img.id = 'cover-img';
      img.alt = 'Cover image';
      byId('cover').prepend(img);
    }
    return img;
  }

  function render(images) {
    shown = images;
    if (!inFlight.has('profile_image')) renderProfile(images);
    if (!inFlight.has('cover_image')) renderCover(images);
    for (const slot of Object.keys(SLOTS)) renderDetails(slot, details[slot]);
  }

  // What the server says of each image beyond its URL: the sizes for srcset, the description
  // for alt, and the placeholder colour shown until the picture arrives.
  function renderDetails(slot, detail) {
    const spec = SLOTS[slot];
    const img = slot === 'profile_image' ? byId('profile-img') : coverImage(false);
    const own = Boolean(detail && !detail.default);
    byId(spec.describer).hidden = !own;
    if (own && document.activeElement !== byId(spec.alt)) byId(spec.alt).value = detail.alt;
    if (!detail) byId(spec.zone).style.backgroundColor = '';
    if (!img || !detail || inFlight.has(slot)) return;
    img.srcset = detail.srcset;
    img.sizes = spec.sizes;
    // Shown cropped at every width (object-fit: cover): its subject kept in view.
    img.style.objectPosition = detail.object_position || '';
    if (detail.alt) img.alt = detail.alt;
    byId(spec.zone).style.backgroundColor = detail.placeholder ? detail.placeholder.color : '';
  }

  function renderProfile(images) {
    const profile = byId('profile-img');
    profile.src = images.profile_image || '';
    profile.hidden = !images.profile_image;
    profile.alt = isDefault(images.profile_image) ? 'Profile image (default)' : 'Profile image';
    byId('profile-delete').disabled = isDefault(images.profile_image);
  }

  function renderCover(images) {
    if (images.cover_image) {
      const cover = coverImage(true);
      cover.src = images.cover_image;
      cover.alt = 'Cover image';
    } else {
      const cover = coverImage(false);
      if (cover) cover.remove();
    }
    byId('cover-empty').hidden = Boolean(images.cover_image);
    byId('cover-delete').disabled = !images.cover_image;
  }

  function preview(slot, url) {
    if (slot === 'profile_image') {
      const profile = byId('profile-img');
      profile.removeAttribute('srcset');
      profile.src = url;
      profile.hidden = false;
      profile.alt = 'Profile image (uploading)';
    } else {
      const cover = coverImage(true);
      cover.removeAttribute('srcset');
      cover.src = url;
      cover.alt = 'Cover image (uploading)';
      byId('cover-empty').hidden = true;
    }
  }

  // Runs one call of the guide's client; its {"error"} answers and network failures are shown.
  async function call(action) {
    try {
      const result = await action();
      if (result && result.error) {
        showError(result.error);
        return null;
      }
      clearError();
      return result;
    } catch (error) {
      showError(`The server could not be reached (${error.message}).`);
      return null;
    }
  }

  async function load() {
    const result = await call(() => service.getCurrentImages());
    if (result) {
      details = result.details || details;
      render(result.images);
    } else {
      byId('token-form').hidden = false; // an expired or wrong token: offer to paste another
    }
    return result;
  }

  function busy(slot, on) {
    const spec = SLOTS[slot];
    if (on) inFlight.add(slot); else inFlight.delete(slot);
    byId(spec.zone).classList.toggle('uploading', on);
    byId(spec.progress).hidden = !on;
    document.querySelector('.card').setAttribute('aria-busy', String(inFlight.size > 0));
    byId(spec.input).disabled = on;
    // A description typed now would land on whichever picture wins: wait for the upload.
    for (const control of byId(spec.describer).elements) control.disabled = on;
    if (on) byId(spec.remover).disabled = true; // render() sets it again from the server's answer
  }

  // Each slot's shape, from the server's limits (its box); until they arrive, the defaults'.
  const shapes = { profile_image: 1, cover_image: 2 };

  // A chosen or dropped file is framed first; the original file goes up with the frame's crop.
  async function choose(slot, file) {
    if (!file || !service) return;
    const spec = SLOTS[slot];
    if (inFlight.has(slot) || window.CropDialog.isOpen()) {
      say(`Wait for the ${spec.label.toLowerCase()} under way before choosing another.`);
      return;
    }
    const framing = await window.CropDialog.frame(file, {
      title: `Frame the ${spec.label.toLowerCase()}`,
      aspect: shapes[slot],
      round: slot === 'profile_image',
    });
    if (framing === null) {
      say(`The ${spec.label.toLowerCase()} was not changed.`);
      return;
    }
    await upload(slot, file, framing === 'whole' ? null : framing);
  }

  // The guide's client has no crop: a framed upload is the same form, with its crop field.
  async function uploadFramed(slot, file, { crop, focus }) {
    const form = new FormData();
    form.append(slot, file);
    form.append(`${slot}_crop`, crop);
    if (focus) form.append(`${slot}_focus`, focus);
    const response = await fetch(`${service.baseUrl}user-images/`, {
      method: 'POST',
      headers: { 'Authorization': `Bearer ${service.token}` },
      body: form,
    });
    return response.json();
  }

  async function upload(slot, file, crop) {
    const spec = SLOTS[slot];
    const url = URL.createObjectURL(file);
    preview(slot, url);
    busy(slot, true);
    say(crop ? `Uploading the ${spec.label.toLowerCase()}…`
      : `Uploading the ${spec.label.toLowerCase()} whole (this browser cannot show it to frame it)…`);
    const result = await call(() => (crop ? uploadFramed(slot, file, crop)
      : spec.upload(service, file)));
    busy(slot, false);
    // The picker was disabled during the upload, which sent focus to the page: back to it.
    if (document.activeElement === document.body) byId(spec.input).focus();
    URL.revokeObjectURL(url);
    if (result) {
      say(result.message);
      await load();
    } else {
      say('');
      render(shown); // back to what the server has
    }
  }

  async function remove(slot) {
    if (!service) return;
    const result = await call(() => SLOTS[slot].remove(service));
    if (result) {
      say(result.message);
      await load();
    }
  }

  // A token's payload, read to be shown, never trusted: the server checks the signature.
  function claimsOf(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const text = atob(part.padEnd(Math.ceil(part.length / 4) * 4, '='));
      const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
      const claims = JSON.parse(new TextDecoder().decode(bytes));
      return claims && typeof claims === 'object' ? claims : {};
    } catch {
      return {};
    }
  }

  // Whom a token names: its `sub` (or `user_id`).
  function userOf(token) {
    const claims = claimsOf(token);
    return String(claims.sub ?? claims.user_id ?? '');
  }

  // What to call them: the token's display name (OpenID Connect's `name`, the claim the
  // initials of a default avatar come from), else the user id.
  function nameOf(token) {
    const name = claimsOf(token).name;
    return (typeof name === 'string' && name.trim()) || userOf(token);
  }

  // Not in the guide: a description changes without an upload, with PATCH.
  async function describe(slot) {
    if (!service) return;
    const text = byId(SLOTS[slot].alt).value;
    const result = await call(async () => {
      const response = await fetch(`${service.baseUrl}user-images/`, {
        method: 'PATCH',
        headers: { 'Authorization': `Bearer ${service.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ [`${slot}_alt`]: text }),
      });
      return response.json();
    });
    if (result) {
      say(result.message);
      details = result.details;
      render(shown);
    }
  }

  // What each format the server names is, to a file picker.
  const PICKED = {
    JPEG: 'image/jpeg', PNG: 'image/png', GIF: 'image/gif', WebP: 'image/webp',
    AVIF: 'image/avif', HEIC: 'image/heic,image/heif,.heic,.heif',
  };

  // The formats this server takes, as its limits say (HEIC only where its extra is installed).
  async function showFormats() {
    try {
      const response = await fetch(`${service.baseUrl}user-images/limits/`, {
        headers: { 'Authorization': `Bearer ${service.token}` },
      });
      if (!response.ok) return;
      const { formats, boxes } = await response.json();
      for (const slot of Object.keys(shapes)) {
        if (boxes && boxes[slot]) shapes[slot] = boxes[slot].width / boxes[slot].height;
      }
      const last = formats[formats.length - 1];
      byId('formats').textContent = formats.length > 1
        ? `${formats.slice(0, -1).join(', ')} or ${last}` : last;
      const accept = formats.map((name) => PICKED[name]).filter(Boolean).join(',');
      for (const spec of Object.values(SLOTS)) byId(spec.input).accept = accept;
    } catch (error) {
      // The page's own list stays.
    }
  }

  function start(token) {
    service = new UserImagesService(token);
    sessionStorage.setItem(TOKEN_KEY, token);
    byId('token-form').hidden = true;
    byId('user').textContent = nameOf(token) || 'an unnamed user';
    byId('signed-in').hidden = false;
    showFormats();
    return load();
  }

  // A link's token replaces the tab's only when it names the same user, or when the person
  // says so: a link must not slip someone else's account under their uploads.
  function chooseToken(fromLink, stored) {
    if (!fromLink) return stored;
    if (!stored || userOf(stored) === userOf(fromLink)) return fromLink;
    const question = `This link signs you in as "${userOf(fromLink)}", but you are signed in ` +
      `as "${userOf(stored)}". Switch to "${userOf(fromLink)}"?`;
    return window.confirm(question) ? fromLink : stored;
  }

  function wire() {
    for (const [slot, spec] of Object.entries(SLOTS)) {
      const input = byId(spec.input);
      input.addEventListener('change', () => {
        const file = input.files[0];
        input.value = '';
        choose(slot, file);
      });
      byId(spec.remover).addEventListener('click', () => remove(slot));
      byId(spec.describer).addEventListener('submit', (event) => {
        event.preventDefault();
        describe(slot);
      });

      const zone = byId(spec.zone);
      zone.addEventListener('dragover', (event) => {
        event.preventDefault();
        zone.classList.add('dragging');
      });
      zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
      zone.addEventListener('drop', (event) => {
        event.preventDefault();
        zone.classList.remove('dragging');
        choose(slot, event.dataTransfer.files[0]);
      });
    }
    // A file dropped anywhere but a drop zone (the dialog, its backdrop, the page's margin) is
    // not opened by the browser in place of the page.
    for (const type of ['dragover', 'drop']) {
      document.addEventListener(type, (event) => event.preventDefault());
    }
    byId('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = byId('token').value.trim();
      if (token) start(token);
    });
  }

  wire();
  // The token comes in the URL's fragment, which browsers never send to a server; it is then
  // taken out of the address bar, and kept for this tab only.
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromFragment) history.replaceState(null, '', location.pathname + location.search);
  const token = chooseToken(fromFragment, sessionStorage.getItem(TOKEN_KEY));
  if (token) {
    start(token);
  } else {
    byId('token-form').hidden = false;
    say('Paste an access token to begin.');
  }
})();
