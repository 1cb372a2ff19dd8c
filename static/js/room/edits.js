/*
 * Edits: "Edit" in the toolbar of one's own message (within the edit window) turns its
 * body into a box (Enter saves, Escape cancels); everyone's page shows the new words
 * when "message_edited" arrives. Moderators read a message's earlier versions.
 */
import { ACK_TIMEOUT_MS } from "./connection.js";
import { formatTimes } from "../time.js";

export function setUpEdits(room, socket) {
  const { bus, messages, strings, toolbar } = room;
  const windowMs = (parseInt(room.root.dataset.editWindow, 10) || 0) * 1000;
  const revisionsUrl = room.root.dataset.revisionsUrl;
  // The words as typed, from the messages this page received (the server's pages carry
  // only their HTML, whose visible text stands in for them).
  const typed = new Map();
  const idOf = (item) => parseInt(item.dataset.id, 10);

  function editable(item) {
    const sent = Date.parse(item.querySelector("time").getAttribute("datetime"));
    return room.canSend && item.dataset.authorId === room.userId && item.dataset.hidden !== "true" &&
      Date.now() - sent < windowMs;
  }

  function stop(item) {
    const form = item.querySelector(".message-edit");
    if (form) {
      form.remove();
    }
    item.querySelector(".message-body").hidden = false;
  }

  function start(item) {
    if (item.querySelector(".message-edit")) {
      item.querySelector(".message-edit textarea").focus();
      return;
    }
    const id = idOf(item);
    const body = item.querySelector(".message-body");
    const original = typed.has(id) ? typed.get(id) : body.innerText;
    const form = document.createElement("form");
    form.className = "message-edit";
    const label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = `edit-${id}`;
    label.textContent = strings.editLabel;
    const help = document.createElement("p");
    help.className = "visually-hidden";
    help.id = `edit-help-${id}`;
    help.textContent = strings.editHelp;
    const box = document.createElement("textarea");
    box.id = `edit-${id}`;
    box.rows = Math.min(8, original.split("\n").length + 1);
    box.maxLength = parseInt(room.root.dataset.maxLength, 10) || 4000;
    box.value = original;
    box.setAttribute("aria-describedby", `edit-help-${id} edit-error-${id}`);
    const error = document.createElement("p");
    error.className = "message-edit-error";
    error.id = `edit-error-${id}`;
    const save = document.createElement("button");
    save.type = "submit";
    save.className = "button small primary";
    save.textContent = strings.save;
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button small";
    cancel.textContent = strings.cancel;
    const buttons = document.createElement("div");
    buttons.className = "message-edit-buttons";
    buttons.append(save, cancel);
    form.append(label, help, box, error, buttons);
    body.hidden = true;
    body.after(form);
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);

    const close = () => {
      stop(item);
      const more = item.querySelector(".message-more");
      (more || messages.list).focus();
    };
    cancel.addEventListener("click", close);
    box.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        close();
      } else if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey &&
          !event.metaKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (box.value === original) {
        close();
        return;
      }
      save.disabled = true;
      socket.timeout(ACK_TIMEOUT_MS).emit("edit", { message_id: id, body: box.value }, (timedOut, ack) => {
        save.disabled = false;
        if (timedOut || !ack || !ack.ok) {
          // Kept open with the words: nothing is lost, the person decides.
          error.textContent = `${strings.actionFailed} ${ack && ack.error ? ack.error.message : ""}`;
          box.focus();
          return;
        }
        messages.replace(ack.message);
        room.announce(strings.messageEdited);
        const shown = document.getElementById(`message-${id}`);
        const more = shown && shown.querySelector(".message-more");
        (more || messages.list).focus();
      });
    });
  }

  /* Moderators: the earlier versions, under the message, from the oldest. */
  function showHistory(item) {
    const existing = item.querySelector(".message-history");
    if (existing) {
      existing.remove();
      return;
    }
    const url = revisionsUrl.replace(/\/0\/revisions$/, `/${idOf(item)}/revisions`);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => response.json().then((data) => ({ ok: response.ok, data })))
      .then(({ ok, data }) => {
        if (!ok) {
          room.announce(`${strings.actionFailed} ${data.error ? data.error.message : ""}`);
          return;
        }
        const section = document.createElement("section");
        section.className = "message-history";
        const heading = document.createElement("h3");
        heading.id = `history-${idOf(item)}`;
        heading.tabIndex = -1;
        heading.textContent = strings.earlierVersions;
        section.setAttribute("aria-labelledby", heading.id);
        const list = document.createElement("ol");
        data.revisions.forEach((revision) => {
          const entry = document.createElement("li");
          const when = document.createElement("time");
          when.setAttribute("datetime", revision.written_at);
          const words = document.createElement("p");
          words.className = "message-history-body";
          words.textContent = revision.body;
          if (revision.language) {
            words.lang = revision.language;
          }
          entry.append(when, words);
          list.appendChild(entry);
        });
        const close = document.createElement("button");
        close.type = "button";
        close.className = "button small";
        close.textContent = strings.close;
        close.addEventListener("click", () => {
          section.remove();
          const more = item.querySelector(".message-more");
          (more || messages.list).focus();
        });
        section.append(heading, list, close);
        formatTimes(section);
        item.appendChild(section);
        heading.focus();
      })
      .catch(() => room.announce(strings.actionFailed));
  }

  toolbar.register({ id: "edit", label: strings.edit, applies: editable, run: start });
  toolbar.register({
    id: "history",
    label: strings.earlierVersions,
    applies: (item) => room.staff && Boolean(item.querySelector(".message-edited")),
    run: showHistory,
  });
  bus.on("message", ({ message }) => typed.set(message.id, message.body));
  socket.on("message_edited", (event) => {
    const message = event && event.message;
    if (message && message.room === room.slug && document.getElementById(`message-${message.id}`)) {
      messages.replace(message);
    }
  });
}
