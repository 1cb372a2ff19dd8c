/*
 * A live preview under each long field of the practice form: the server renders the
 * Markdown with the sanitizer the practice's page uses (POST /practices/preview), so
 * what the writer sees is what readers will see. Without JavaScript there is no
 * preview, and nothing else changes.
 */
import { fill, formWords, reasonOf } from "./form-words.js";

const QUIET_MS = 700;

function attach(form, textarea, template, words) {
  const piece = template.content.firstElementChild.cloneNode(true);
  const button = piece.querySelector(".preview-toggle");
  const output = piece.querySelector(".preview-output");
  const body = piece.querySelector(".preview-body");
  output.id = `${textarea.id}-preview`;
  button.setAttribute("aria-controls", output.id);
  button.textContent = words.preview;
  textarea.closest(".field").after(piece);

  let timer = null;
  let asked = 0;
  async function render() {
    const text = textarea.value;
    if (!text.trim()) {
      body.textContent = words.empty;
      return;
    }
    const number = ++asked;
    const data = new URLSearchParams({ csrf_token: form.elements.csrf_token.value, text });
    let response;
    try {
      response = await fetch(form.dataset.preview, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch (error) {
      body.textContent = fill(words.failed, { reason: error.message });
      return;
    }
    if (number !== asked) {
      return; // a newer preview is on its way
    }
    if (!response.ok) {
      body.textContent = fill(words.failed, { reason: await reasonOf(response) });
      return;
    }
    const answer = await response.json();
    body.innerHTML = answer.html; // sanitized by the server, as the page's *_html
  }

  button.addEventListener("click", () => {
    const open = output.hidden;
    output.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? words.hide : words.preview;
    if (open) {
      render();
    }
  });
  textarea.addEventListener("input", () => {
    if (!output.hidden) {
      clearTimeout(timer);
      timer = setTimeout(render, QUIET_MS);
    }
  });
}

const form = document.querySelector("form[data-preview]");
const template = document.getElementById("markdown-preview-template");
if (form && template) {
  const words = formWords();
  (form.dataset.markdownFields || "").split(" ").forEach((name) => {
    const textarea = form.elements[name];
    if (textarea && textarea.tagName === "TEXTAREA") {
      attach(form, textarea, template, words);
    }
  });
}
