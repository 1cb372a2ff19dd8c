/*
 * Keep what a writer types in the practice form on the server, a moment after they
 * stop typing (docs/practices.md, "Autosave"). The form works without it: this only
 * makes sure a closed tab, a crash or a lost connection loses nothing.
 *
 * It says where the text is: "Saved 10:42", or "Not saved — retrying" while the
 * network or the server's limit holds it back (it retries by itself, waiting as
 * long as the server's Retry-After asks, and at once when the browser is online again).
 */
import { fill, formWords, reasonOf } from "./form-words.js";
import { formatMoment } from "./time.js";

const QUIET_MS = 2000; // after the last keystroke
const FIRST_RETRY_MS = 5000;
const LONGEST_RETRY_MS = 60000;

function start(form) {
  const status = document.getElementById("autosave-status");
  const words = formWords();
  let timer = null;
  let changed = false;
  let sending = false;
  let retryMs = 0;

  const body = () => {
    const data = new FormData(form);
    data.delete("go");
    return new URLSearchParams(data);
  };
  const say = (text, state) => {
    if (status.textContent !== text) {
      status.textContent = text;
    }
    status.dataset.state = state;
    status.hidden = false;
  };
  const later = (ms) => {
    clearTimeout(timer);
    timer = setTimeout(send, ms);
  };
  const retry = (ms) => {
    retryMs = Math.min(Math.max(retryMs * 2, FIRST_RETRY_MS), LONGEST_RETRY_MS);
    say(words.retrying, "retrying");
    later(ms || retryMs);
  };

  async function send() {
    if (!changed) {
      return;
    }
    if (sending) {
      later(QUIET_MS);
      return;
    }
    sending = true;
    changed = false;
    let response;
    try {
      response = await fetch(form.dataset.autosave, {
        method: "POST",
        body: body(),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch (error) {
      sending = false;
      changed = true;
      retry(); // offline, or the server is away: the text stays in the form meanwhile
      return;
    }
    sending = false;
    if (response.ok) {
      const answer = await response.json();
      retryMs = 0;
      say(fill(words.saved, { time: formatMoment(new Date(answer.saved_at)) }), "saved");
      if (changed) {
        later(QUIET_MS);
      }
      return;
    }
    changed = true;
    if (response.status === 429 || response.status >= 500) {
      const seconds = parseInt(response.headers.get("Retry-After") || "", 10);
      retry(seconds > 0 ? seconds * 1000 : 0);
      return;
    }
    // Refused for good (too much text, signed out): say why; the next change tries again.
    say(fill(words.refused, { reason: await reasonOf(response) }), "refused");
  }

  const edited = () => {
    changed = true;
    if (!sending && retryMs === 0) {
      later(QUIET_MS);
    }
  };
  form.addEventListener("input", edited);
  form.addEventListener("change", edited);
  form.addEventListener("submit", () => {
    clearTimeout(timer);
    changed = false; // the form itself is being saved
  });
  window.addEventListener("online", () => {
    if (changed) {
      later(0);
    }
  });
  window.addEventListener("pagehide", () => {
    if (changed && navigator.sendBeacon) {
      navigator.sendBeacon(form.dataset.autosave, body());
    }
  });
}

const form = document.querySelector("form[data-autosave]");
if (form) {
  start(form);
}
