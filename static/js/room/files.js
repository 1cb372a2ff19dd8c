/*
 * The files of chat messages: pictures as thumbnails that open the full picture,
 * documents as name, type and size. Built from <template id="attachment-template">,
 * which the server fills the same way (templates/files/_attachments.html); a file a
 * moderator hides or restores is taken out or put back while the page is open.
 */
const THUMBNAIL_SIDE = 480;

function isPath(url) {
  return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/";
}

/* "PDF", "XLSX": a stored file's name always ends as what it is. */
function typeLabel(name) {
  const dot = name.lastIndexOf(".");
  return dot >= 0 ? name.slice(dot + 1).toUpperCase() : "";
}

/* "293 kB", "1,2 MB", counted as the server counts its limits (1 MB = 1024 × 1024 bytes). */
export function sizeLabel(size) {
  const language = document.documentElement.lang || undefined;
  const megabytes = size >= 1024 * 1024;
  const value = megabytes ? size / (1024 * 1024) : Math.max(1, Math.round(size / 1024));
  return new Intl.NumberFormat(language, {
    style: "unit", unit: megabytes ? "megabyte" : "kilobyte", unitDisplay: "short",
    maximumFractionDigits: megabytes ? 1 : 0,
  }).format(value);
}

/* One file's list item, or null when its addresses are not this site's. */
export function attachmentItem(file, strings) {
  const image = file.kind === "image";
  if (!isPath(file.url) || (image && !isPath(file.thumbnail_url))) {
    return null;
  }
  const template = document.getElementById("attachment-template");
  const node = template.content.querySelector(`[data-kind="${image ? "image" : "document"}"]`)
    .cloneNode(true);
  node.dataset.fileId = file.id;
  if (image) {
    node.querySelector("a").href = file.url;
    const picture = node.querySelector("img");
    const scale = Math.min(1, THUMBNAIL_SIDE / Math.max(file.width || 1, file.height || 1));
    picture.width = Math.max(1, Math.round((file.width || THUMBNAIL_SIDE) * scale));
    picture.height = Math.max(1, Math.round((file.height || THUMBNAIL_SIDE) * scale));
    picture.alt = file.alt || strings.fill(strings.pictureAlt, { name: file.name });
    picture.src = file.thumbnail_url;
  } else {
    node.querySelector("a").href = file.url;
    node.querySelector(".attachment-name").textContent = file.name;
    node.querySelector(".attachment-details").textContent =
      `${typeLabel(file.name)}, ${sizeLabel(file.size)}`;
  }
  addModeration(node, file);
  markFileHidden(node, Boolean(file.hidden));
  return node;
}

/* Moderators' and organizers' forms to hide or restore the file (only their page has them). */
function addModeration(node, file) {
  const template = document.getElementById("file-moderation-template");
  if (!template) {
    return;
  }
  const tools = template.content.firstElementChild.cloneNode(true);
  tools.dataset.fileId = file.id;
  tools.querySelectorAll("form").forEach((form) => {
    form.action = form.getAttribute("action").replace("/files/0/", `/files/${file.id}/`);
  });
  tools.querySelectorAll("summary, button.link-button").forEach((label) => {
    label.textContent = label.textContent.replace("{name}", file.name);
  });
  const reason = tools.querySelector("input[name=reason]");
  reason.id = `hide-file-${file.id}`;
  tools.querySelector("label").htmlFor = reason.id;
  node.appendChild(tools);
}

function markFileHidden(node, hidden) {
  node.classList.toggle("is-hidden", hidden);
  const note = node.querySelector(".attachment-hidden-note");
  if (note) {
    note.hidden = !hidden;
  }
  const tools = node.querySelector(".file-moderation");
  if (tools) {
    tools.querySelector(".file-restore").hidden = !hidden;
    tools.querySelector(".file-hide").hidden = hidden;
  }
}

/* Fill a message's file list (``message.attachments``). */
export function fillAttachments(list, files, strings) {
  if (!list) {
    return;
  }
  list.textContent = "";
  (files || []).forEach((file) => {
    const node = attachmentItem(file, strings);
    if (node) {
      list.appendChild(node);
    }
  });
  list.hidden = !list.children.length;
}

/* A moderator hid or restored one file of a message on this page. */
export function setUpFileEvents(room, socket) {
  const { strings } = room;
  const find = (event) => {
    if (!event || !event.owner || event.owner.type !== "message") {
      return [null, null];
    }
    const message = document.getElementById(`message-${event.owner.id}`);
    const list = message ? message.querySelector(".message-files") : null;
    return [list, list ? list.querySelector(`[data-file-id="${event.id}"]`) : null];
  };
  socket.on("file_hidden", (event) => {
    const [list, node] = find(event);
    if (!node) {
      return;
    }
    if (room.staff) {
      markFileHidden(node, true);
    } else {
      node.remove();
      list.hidden = !list.children.length;
    }
  });
  socket.on("file_restored", (event) => {
    const [list, node] = find(event);
    if (node) {
      markFileHidden(node, false);
    } else if (list && event.file) {
      const restored = attachmentItem(event.file, strings);
      if (restored) {
        list.appendChild(restored);
        list.hidden = false;
      }
    }
  });
}
