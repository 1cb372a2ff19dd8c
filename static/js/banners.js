/*
 * Announcement banners on every page: new ones arrive live (event "banner"), ended or
 * closed ones leave (event "banner_ended"), each goes by itself when its time is up, and
 * "Close" is remembered by the server without leaving the page. Without JavaScript the
 * server renders the banners and "Close" is a plain form.
 */
import { pageSocket } from "./page-socket.js";

const MAX_TIMEOUT_MS = 2147483647;

const section = document.getElementById("banners");
const list = section ? section.querySelector(".banner-list") : null;
const template = document.getElementById("banner-template");
const status = document.getElementById("banner-status");
let watching = false;

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function find(id) {
  return list.querySelector(`[data-banner-id="${CSS.escape(String(id))}"]`);
}

function remove(id) {
  const item = find(id);
  if (!item) {
    return;
  }
  const hadFocus = item.contains(document.activeElement);
  item.remove();
  if (!list.children.length) {
    section.hidden = true;
  }
  if (hadFocus) {
    document.getElementById("main").focus();
  }
}

function expireLater(item) {
  const left = Date.parse(item.dataset.until) - Date.now();
  if (Number.isNaN(left)) {
    return;
  }
  window.setTimeout(() => remove(item.dataset.bannerId), Math.min(Math.max(left, 0), MAX_TIMEOUT_MS));
}

function enhance(item) {
  const form = item.querySelector("form.banner-dismiss");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then((response) => {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      remove(item.dataset.bannerId);
    }).catch(() => form.submit());  // the plain form says what went wrong
  });
  expireLater(item);
}

function show(banner) {
  if (!template || find(banner.id)) {
    return;
  }
  const item = template.content.firstElementChild.cloneNode(true);
  item.dataset.bannerId = String(banner.id);
  item.dataset.until = banner.until;
  item.querySelector(".banner-text").innerHTML = banner.body_html;  // sanitized by the server
  item.querySelector("form").action = section.dataset.dismissUrl.replace("{id}", String(banner.id));
  list.appendChild(item);
  section.hidden = false;
  enhance(item);
  if (status) {
    status.textContent = `${status.dataset.prefix} ${item.querySelector(".banner-text").textContent}`;
  }
}

/* Listen for banners on a connection (the room page shares its own). */
export function watchBanners(socket) {
  if (!list || watching) {
    return;
  }
  watching = true;
  socket.on("banner", show);
  socket.on("banner_ended", (ended) => remove(ended.id));
}

if (list) {
  list.querySelectorAll(".banner").forEach(enhance);
  // A room opens its own connection and hands it over (room/main.js).
  const socket = template ? pageSocket() : null;
  if (socket) {
    watchBanners(socket);
  }
}
