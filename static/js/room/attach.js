/*
 * Files in the composer: the attach button, dropping files on the room, pasting a
 * picture. Each file is uploaded at once (POST /api/attachments) with its progress
 * shown, can be removed before the message goes, and says in words why it was
 * refused (which limit). The message takes the uploaded ones as ``attachments``.
 */
import { UPLOAD_URL, uploadFile } from "../upload.js";

let described = 0;

/* Save a picture's description (POST /api/attachments/<id>); resolves to the stored file. */
function describe(id, alt) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const body = new URLSearchParams({ alt });
  return fetch(`${UPLOAD_URL}/${encodeURIComponent(id)}`, {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": meta ? meta.content : "" },
    body,
  }).then((response) => response.json().then((data) => {
    if (!response.ok) {
      throw new Error(data && data.error ? data.error.message : String(response.status));
    }
    return data;
  }));
}

export function setUpAttachments(room, composer) {
  const { strings } = room;
  const box = document.getElementById("composer-files");
  const list = document.getElementById("composer-files-list");
  const button = document.getElementById("composer-attach");
  const input = document.getElementById("composer-file-input");
  const template = document.getElementById("composer-file-template").content.firstElementChild;
  const dropZone = document.querySelector(".chat");
  const maxFiles = parseInt(box.dataset.maxFiles, 10) || 5;
  let entries = [];
  let dragDepth = 0;

  function update() {
    box.hidden = entries.length === 0;
    // A message of files alone needs no words.
    composer.textarea.required = !entries.some((entry) => entry.stored);
  }

  function remove(entry) {
    if (entry.sending) {
      entry.sending.abort();
    }
    entry.node.remove();
    entries = entries.filter((candidate) => candidate !== entry);
    update();
  }

  function start(file) {
    const name = file.name || strings.pastedPicture;
    const node = template.cloneNode(true);
    const entry = { node, stored: null, sending: null };
    const progress = node.querySelector("progress");
    const state = node.querySelector(".composer-file-state");
    const removeButton = node.querySelector(".composer-file-remove");
    node.querySelector(".composer-file-name").textContent = name;
    progress.setAttribute("aria-label", strings.fill(strings.uploadProgress, { name }));
    removeButton.setAttribute("aria-label", strings.fill(strings.removeFile, { name }));
    removeButton.addEventListener("click", () => {
      remove(entry);
      room.announce(strings.fill(strings.fileRemoved, { name }));
      composer.focus();
    });
    node.dataset.state = "sending";
    state.textContent = strings.uploading;
    list.appendChild(node);
    entries.push(entry);
    entry.sending = uploadFile(file, {
      onProgress: ({ fraction }) => {
        progress.value = fraction;
      },
    });
    entry.sending.promise.then((stored) => {
      entry.sending = null;
      entry.stored = stored;
      progress.value = 1;
      node.dataset.state = "ready";
      state.textContent = strings.fileReady;
      if (stored.kind === "image") {
        offerDescription(entry, name);
      }
      room.announce(strings.fill(strings.fileReadyNamed, { name }));
      update();
    }, (error) => {
      entry.sending = null;
      if (error.code === "aborted") {
        return;
      }
      node.dataset.state = "failed";
      progress.hidden = true;
      state.textContent = error.message;
      composer.status(`${name}: ${error.message}`);
      update();
    });
  }

  /* A picture may be described for people who cannot see it until the message goes. */
  function offerDescription(entry, name) {
    const box = entry.node.querySelector(".composer-file-describe");
    const label = box.querySelector("label");
    const field = box.querySelector("input");
    described += 1;
    field.id = `composer-file-alt-${described}`;
    label.htmlFor = field.id;
    field.setAttribute("aria-describedby", `${field.id}-name`);
    const which = document.createElement("span");
    which.id = `${field.id}-name`;
    which.hidden = true;
    which.textContent = name;
    box.append(which);
    box.hidden = false;
    let saved = "";
    const save = () => {
      const alt = field.value.trim();
      if (alt === saved || !entry.stored) {
        return entry.describing || Promise.resolve();
      }
      entry.describing = describe(entry.stored.id, alt).then((stored) => {
        saved = alt;
        entry.stored = stored;
      }, (error) => {
        saved = alt; // said once; the message goes with the description it had
        composer.status(`${name}: ${error.message}`);
      }).finally(() => {
        entry.describing = null;
      });
      return entry.describing;
    };
    entry.saveDescription = save;
    field.addEventListener("change", save);
    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter in the description is not "send"
        save();
        composer.focus();
      }
    });
  }

  function add(files) {
    Array.from(files || []).forEach((file) => {
      if (entries.filter(counts).length >= maxFiles) {
        composer.status(strings.tooManyFiles);
        return;
      }
      start(file);
    });
    update();
  }

  /* A file that counts towards the limit: being sent or ready (not a refused one). */
  function counts(entry) {
    return entry.node.dataset.state !== "failed";
  }

  const hasFiles = (event) => event.dataTransfer &&
    Array.prototype.includes.call(event.dataTransfer.types || [], "Files");

  box.hidden = true;
  button.hidden = false;
  const fallback = document.querySelector(".composer-file-fallback");
  if (fallback) {
    fallback.remove(); // the no-script form's own file field
  }
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    add(input.files);
    input.value = "";
    composer.focus();
  });
  composer.textarea.addEventListener("paste", (event) => {
    const files = event.clipboardData ? event.clipboardData.files : null;
    if (files && files.length) {
      event.preventDefault(); // a pasted picture is a file, not its name as text
      add(files);
    }
  });
  dropZone.addEventListener("dragenter", (event) => {
    if (hasFiles(event) && !composer.textarea.disabled) {
      dragDepth += 1;
      dropZone.classList.add("is-dropping");
    }
  });
  dropZone.addEventListener("dragover", (event) => {
    if (hasFiles(event) && !composer.textarea.disabled) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    }
  });
  dropZone.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) {
      dropZone.classList.remove("is-dropping");
    }
  });
  dropZone.addEventListener("drop", (event) => {
    dragDepth = 0;
    dropZone.classList.remove("is-dropping");
    if (hasFiles(event) && !composer.textarea.disabled) {
      event.preventDefault();
      add(event.dataTransfer.files);
      composer.focus();
    }
  });

  return {
    /* Whether a file is still on its way: the message waits for it. */
    uploading: () => entries.some((entry) => entry.sending),
    /* Descriptions still being saved: the message waits for them (null when none). */
    describing() {
      const saving = entries.filter((entry) => entry.saveDescription)
        .map((entry) => entry.saveDescription());
      const busy = entries.some((entry) => entry.describing);
      return busy ? Promise.all(saving) : null;
    },
    /* Whether uploaded files are ready to go with the next message. */
    ready: () => entries.some((entry) => entry.stored),
    /* Hand the uploaded files over to a message (refused ones stay, with their reason). */
    take() {
      const ready = entries.filter((entry) => entry.stored);
      ready.forEach((entry) => entry.node.remove());
      entries = entries.filter((entry) => !entry.stored);
      update();
      return ready.length ? { attachments: ready.map((entry) => entry.stored.id) } : {};
    },
  };
}
