/*
 * Send one file to POST /api/attachments (docs/files.md), with progress events,
 * cancelling, and every failure said in words. The composer and the forms that
 * take files use it; the page includes templates/files/_upload.html for its words.
 *
 *   import { uploadFile } from "/static/js/upload.js";
 *   const sending = uploadFile(file, { alt, onProgress: ({ fraction }) => ... });
 *   sending.abort();              // cancels: the promise rejects with code "aborted"
 *   const stored = await sending.promise;   // {id, name, size, content_type, url, thumbnail_url}
 */

export const UPLOAD_URL = "/api/attachments";

/** A refused or failed upload: ``message`` is for people, ``code`` and ``details`` for code. */
export class UploadError extends Error {
  constructor(message, code, details) {
    super(message);
    this.name = "UploadError";
    this.code = code;
    this.details = details || {};
  }
}

function messages() {
  const holder = document.getElementById("upload-messages");
  const words = {};
  if (holder) {
    holder.content.querySelectorAll("[data-key]").forEach((element) => {
      words[element.dataset.key] = element.textContent;
    });
  }
  return words;
}

function fill(text, values) {
  return String(text || "").replace(/\{(\w+)\}/g, (whole, key) =>
    values[key] === undefined ? whole : String(values[key]));
}

/** The largest file the server accepts, in bytes (0 when the page does not say). */
export function maxUploadBytes() {
  const holder = document.getElementById("upload-messages");
  return holder ? parseInt(holder.dataset.maxBytes, 10) || 0 : 0;
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function megabytes(bytes) {
  const language = document.documentElement.lang || undefined;
  return (bytes / (1024 * 1024)).toLocaleString(language, { maximumSignificantDigits: 3 });
}

/**
 * Start sending ``file``; return ``{promise, abort}``.
 * The promise resolves with the stored file's JSON, or rejects with an UploadError.
 */
export function uploadFile(file, { alt = "", onProgress = null, url = UPLOAD_URL } = {}) {
  const words = messages();
  const request = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    const limit = maxUploadBytes();
    if (limit && file.size > limit) {
      reject(new UploadError(fill(words.too_large, { size: megabytes(limit) }), "too_large",
        { limit: "size", max_bytes: limit }));
      return;
    }
    if (file.size === 0) {
      reject(new UploadError(words.empty, "invalid", { reason: "empty" }));
      return;
    }
    const form = new FormData();
    form.append("file", file, file.name);
    if (alt) {
      form.append("alt", alt);
    }
    request.open("POST", url);
    request.responseType = "json";
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.upload.addEventListener("progress", (event) => {
      if (onProgress && event.lengthComputable) {
        onProgress({ loaded: event.loaded, total: event.total, fraction: event.loaded / event.total });
      }
    });
    request.addEventListener("load", () => {
      const body = request.response;
      if (request.status === 201 && body && typeof body.id === "number") {
        resolve(body);
        return;
      }
      const error = body && body.error;
      if (error && error.message) {
        reject(new UploadError(error.message, error.code, error));
      } else if (request.status === 413) {
        reject(new UploadError(fill(words.too_large, { size: megabytes(limit) }), "too_large",
          { limit: "size" }));
      } else {
        reject(new UploadError(words.failed, "http_" + request.status, {}));
      }
    });
    request.addEventListener("error", () => reject(new UploadError(words.network, "network")));
    request.addEventListener("abort", () => reject(new UploadError(words.aborted, "aborted")));
    request.send(form);
  });
  return { promise, abort: () => request.abort() };
}
