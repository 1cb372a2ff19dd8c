/*
 * The composer: a one-line box that grows, Enter sends and Shift+Enter starts a line, a
 * counter near the limit, the draft kept across reloads, and "typing" for the others.
 */
import { safeStorage } from "./outbox.js";

const TYPING_EVERY_MS = 4000;

export function createComposer(room, connection) {
  const { bus, strings } = room;
  const form = document.getElementById("composer");
  const textarea = form.querySelector("textarea");
  const counter = document.getElementById("composer-count");
  const languageSelect = document.getElementById("composer-language");
  const languageCode = form.querySelector(".language-code");
  const notSaid = languageCode.textContent;
  const statusLine = document.getElementById("composer-status");
  const maxLength = parseInt(room.root.dataset.maxLength, 10) || 4000;
  const storage = safeStorage();
  const draftKey = `exchange.draft.${room.userId}.${room.slug}`;
  let lastTyping = 0;
  let onSubmit = () => {};
  let attachments = null; // the files going with the message (attach.js), if offered

  function grow() {
    textarea.style.height = "auto";
    if (!textarea.value) {
      return; // one line, however long the placeholder
    }
    textarea.style.height = `${Math.min(textarea.scrollHeight + 4, Math.round(window.innerHeight * 0.35))}px`;
  }

  function updateCounter() {
    const left = maxLength - textarea.value.length;
    if (left < 0) {
      counter.textContent = strings.counted("tooLong", -left);
    } else if (left <= 500) {
      counter.textContent = strings.counted("remaining", left);
    } else {
      counter.textContent = "";
    }
  }

  function changed() {
    storage.set(draftKey, textarea.value);
    updateCounter();
    grow();
  }

  function sayTyping() {
    const now = Date.now();
    if (!textarea.value.trim() || !connection.state.joined || now - lastTyping < TYPING_EVERY_MS) {
      return;
    }
    lastTyping = now;
    connection.socket.emit("typing", { room: room.slug }, () => {});
  }

  function submit() {
    const body = textarea.value;
    if (attachments && attachments.uploading()) {
      statusLine.textContent = strings.filesUploading;
      return;
    }
    const describing = attachments && attachments.describing();
    if (describing) {
      describing.then(submit); // a picture's description is being saved: then send
      return;
    }
    const withFiles = Boolean(attachments && attachments.ready());
    if ((!body.trim() && !withFiles) || textarea.disabled) {
      textarea.focus();
      return;
    }
    if (body.length > maxLength) {
      statusLine.textContent = strings.counted("tooLong", body.length - maxLength);
      return;
    }
    textarea.value = "";
    lastTyping = 0;
    changed();
    onSubmit(body, languageSelect ? languageSelect.value || null : null);
  }

  function showLanguage() {
    languageCode.textContent = languageSelect.value ? languageSelect.value.toUpperCase() : notSaid;
  }

  textarea.value = storage.get(draftKey) || "";
  changed();
  textarea.addEventListener("input", () => {
    changed();
    sayTyping();
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey &&
        !event.metaKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  if (languageSelect) {
    showLanguage();
    languageSelect.addEventListener("change", () => {
      showLanguage();
      languageSelect.closest("details").open = false;
      textarea.focus();
    });
  }
  bus.on("sent", () => {
    lastTyping = 0;
  });

  return {
    form,
    textarea,
    sendButton: document.getElementById("composer-send"),
    onSubmit(handler) {
      onSubmit = handler;
    },
    useAttachments(files) {
      attachments = files;
    },
    insert(text) {
      textarea.value = textarea.value ? `${textarea.value}\n${text}` : text;
      changed();
      textarea.focus();
    },
    focus() {
      textarea.focus();
    },
    /* A language's name in its own words ("Deutsch"), as the picker offers it. */
    languageName(code) {
      const option = languageSelect && Array.from(languageSelect.options).find((o) => o.value === code);
      return option ? option.textContent : code;
    },
    status(text) {
      statusLine.textContent = text;
    },
  };
}
