/*
 * Reactions: each emoji under a message once, with its count; pressing one gives it or
 * takes it back (react). "React" in the toolbar opens a small picker: a few emoji, or
 * any other one typed in. Screen readers hear "3 people reacted 👍", not the symbols.
 */
import { ACK_TIMEOUT_MS } from "./connection.js";

const prototype = () => document.getElementById("message-template").content
  .querySelector(".reaction-item");

/* Show a message's reactions ([{emoji, count, user_ids}]) in its list. */
export function fillReactions(room, list, reactions) {
  const item = prototype();
  list.textContent = "";
  reactions.forEach((reaction) => {
    const entry = item.cloneNode(true);
    const button = entry.querySelector(".reaction");
    button.dataset.emoji = reaction.emoji;
    button.setAttribute("aria-pressed", String(reaction.user_ids.map(String).includes(room.userId)));
    button.setAttribute("aria-label", room.strings.counted("reacted", reaction.count)
      .replace("{emoji}", reaction.emoji));
    button.disabled = room.root.dataset.canReact !== "true";
    entry.querySelector(".reaction-emoji").textContent = reaction.emoji;
    entry.querySelector(".reaction-count").textContent = String(reaction.count);
    list.appendChild(entry);
  });
  list.hidden = reactions.length === 0;
}

export function setUpReactions(room, socket) {
  const { messages, strings, toolbar } = room;
  const canReact = room.root.dataset.canReact === "true";
  const choices = (room.root.dataset.reactionChoices || "").split(" ").filter(Boolean);

  function listOf(item) {
    let list = item.querySelector(".message-reactions");
    if (!list) {
      // A message shown by the server without reactions: take the template's empty list.
      list = document.getElementById("message-template").content
        .querySelector(".message-reactions").cloneNode(false);
      const after = item.querySelector(".message-files") || item.querySelector(".message-body");
      after.after(list);
    }
    return list;
  }

  function show(messageId, reactions) {
    const item = document.getElementById(`message-${messageId}`);
    if (item) {
      fillReactions(room, listOf(item), reactions);
    }
  }

  function react(item, emoji, then) {
    const id = parseInt(item.dataset.id, 10);
    socket.timeout(ACK_TIMEOUT_MS).emit("react", { message_id: id, emoji }, (timedOut, ack) => {
      if (timedOut || !ack || !ack.ok) {
        room.announce(`${strings.actionFailed} ${ack && ack.error ? ack.error.message : ""}`);
        return;
      }
      show(id, ack.reactions);
      if (then) {
        then();
      }
    });
  }

  function closePicker(item) {
    const picker = item.querySelector(".reaction-picker");
    if (picker) {
      picker.remove();
    }
    const more = item.querySelector(".message-more");
    (more || messages.list).focus();
  }

  /* The picker: a row of emoji buttons and a box for any other emoji; Escape closes it. */
  function openPicker(item) {
    if (item.querySelector(".reaction-picker")) {
      item.querySelector(".reaction-picker button").focus();
      return;
    }
    const id = item.dataset.id;
    const picker = document.createElement("div");
    picker.className = "reaction-picker";
    picker.setAttribute("role", "group");
    picker.setAttribute("aria-label", strings.chooseReaction);
    const row = document.createElement("div");
    row.className = "reaction-choices";
    choices.forEach((emoji) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "reaction-choice";
      button.textContent = emoji;
      button.addEventListener("click", () => react(item, emoji, () => closePicker(item)));
      row.appendChild(button);
    });
    const form = document.createElement("form");
    form.className = "reaction-other";
    const label = document.createElement("label");
    label.htmlFor = `reaction-other-${id}`;
    label.textContent = strings.otherEmoji;
    const input = document.createElement("input");
    input.type = "text";
    input.id = `reaction-other-${id}`;
    input.maxLength = 32;
    input.size = 4;
    input.autocomplete = "off";
    const add = document.createElement("button");
    add.type = "submit";
    add.className = "button small";
    add.textContent = strings.addReaction;
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button small";
    cancel.textContent = strings.cancel;
    cancel.addEventListener("click", () => closePicker(item));
    form.append(label, input, add, cancel);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const emoji = input.value.trim();
      if (emoji) {
        react(item, emoji, () => closePicker(item));
      } else {
        input.focus();
      }
    });
    picker.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        closePicker(item);
      }
    });
    picker.append(row, form);
    item.appendChild(picker);
    row.querySelector("button").focus();
  }

  toolbar.register({
    id: "react",
    label: strings.react,
    applies: (item) => canReact && item.dataset.hidden !== "true",
    run: openPicker,
  });
  messages.list.addEventListener("click", (event) => {
    const button = event.target.closest(".message-reactions .reaction");
    const item = button && button.closest(".message");
    if (!item || !canReact || item.dataset.hidden === "true") {
      return;
    }
    react(item, button.dataset.emoji);
  });
  socket.on("reactions", (event) => {
    if (event && event.room === room.slug) {
      show(event.message_id, event.reactions);
    }
  });
}
