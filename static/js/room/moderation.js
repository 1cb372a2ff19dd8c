/*
 * What people do about messages: withdraw their own, report others', and (moderators)
 * hide and restore; notices from moderators; slow mode. Also "Develop into a practice".
 */
import { ACK_TIMEOUT_MS } from "./connection.js";
import { roomName } from "./room-list.js";

export function setUpModeration(room, messages, toolbar, connection) {
  const { bus, strings } = room;
  const socket = connection.socket;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const idOf = (item) => parseInt(item.dataset.id, 10);
  const mine = (item) => item.dataset.authorId === room.userId;
  const hidden = (item) => item.dataset.hidden === "true";

  toolbar.register({
    id: "develop",
    label: strings.develop,
    applies: (item) => room.canDevelop && Boolean(csrfMeta) && mine(item) && !hidden(item),
    run: (item) => developForm(idOf(item)).submit(),
  });
  toolbar.register({
    id: "delete",
    label: strings.delete,
    applies: (item) => mine(item) && !hidden(item),
    run: (item) => askInline(item, strings.deleteConfirm, null, strings.delete, () => {
      act("hide", { message_id: idOf(item) });
    }),
  });
  toolbar.register({
    id: "hide",
    label: strings.hide,
    applies: (item) => room.staff && !mine(item) && !hidden(item),
    run: (item) => askInline(item, strings.hideReason, "reason", strings.hideConfirm, (reason) => {
      act("hide", { message_id: idOf(item), reason });
    }),
  });
  toolbar.register({
    id: "report",
    label: strings.report,
    applies: (item) => !room.staff && !mine(item) && !hidden(item),
    run: (item) => askInline(item, strings.reportReason, "reason", strings.reportConfirm, (reason) => {
      act("report", { message_id: idOf(item), reason }, strings.reportSent);
    }),
  });
  toolbar.register({
    id: "restore",
    label: strings.restore,
    applies: (item) => room.staff && hidden(item) && item.dataset.hiddenByAuthor !== "true",
    run: (item) => act("restore", { message_id: idOf(item) }),
  });

  /* A message was hidden or restored (live, or while we were away). */
  bus.on("change", (change) => {
    if (change.hidden && !room.staff) {
      if (messages.remove(change.id)) {
        room.announce(strings.messageRemoved);
      }
      return;
    }
    if (change.message) {
      messages.replace(change.message);
    }
  });

  /* A small form under a message: a question, maybe a reason, and two buttons. */
  function askInline(item, question, field, confirmLabel, onConfirm) {
    const existing = item.querySelector(".inline-ask");
    if (existing) {
      existing.remove();
    }
    const form = document.createElement("form");
    form.className = "inline-ask stack-inline";
    let input = null;
    if (field) {
      const inputId = `ask-${item.dataset.id}`;
      const label = document.createElement("label");
      label.setAttribute("for", inputId);
      label.textContent = question;
      input = document.createElement("input");
      input.type = "text";
      input.id = inputId;
      input.required = true;
      input.maxLength = 500;
      form.append(label, input);
    } else {
      const text = document.createElement("span");
      text.className = "ask-question";
      text.textContent = question;
      form.appendChild(text);
    }
    const ok = document.createElement("button");
    ok.type = "submit";
    ok.className = "button small";
    ok.textContent = confirmLabel;
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button small";
    cancel.textContent = strings.cancel;
    cancel.addEventListener("click", () => form.remove());
    form.append(ok, cancel);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (input && !input.value.trim()) {
        input.focus();
        return;
      }
      form.remove();
      onConfirm(input ? input.value.trim() : undefined);
    });
    item.appendChild(form);
    (input || ok).focus();
  }

  function act(event, payload, doneMessage) {
    socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (timedOut, ack) => {
      if (timedOut || !ack || !ack.ok) {
        const error = ack && ack.error ? ack.error.message : "";
        room.announce(`${strings.actionFailed} ${error}`);
        return;
      }
      if (doneMessage) {
        room.announce(doneMessage);
      }
      if (ack.message) {
        bus.emit("change", {
          id: ack.message.id, hidden: Boolean(ack.message.hidden) || event === "hide", message: ack.message,
        });
      }
    });
  }

  // The same form as templates/rooms/_message.html renders without scripts.
  function developForm(id) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = room.root.dataset.developUrl.replace(/\/0\/develop$/, `/${id}/develop`);
    form.hidden = true;
    const token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = csrfMeta.content;
    form.appendChild(token);
    document.body.appendChild(form);
    return form;
  }

  socket.on("room_updated", (event) => {
    if (event.room.slug === room.slug) {
      room.slowModeSeconds = event.room.slow_mode_seconds;
      const note = document.getElementById("slow-mode");
      note.hidden = !event.room.slow_mode_seconds;
      note.textContent = strings.slowMode.replace("{n}", String(event.room.slow_mode_seconds));
      bus.emit("slow-mode", event.room.slow_mode_seconds);
    }
  });

  socket.on("notice", (notice) => {
    const data = notice.data || {};
    const template = strings[`notice.${notice.kind}`] ||
      (typeof data.count === "number" ? strings.counted(`notice.${notice.kind}`, data.count) : null);
    bus.emit("notice", notice);
    if (!template) {
      return;
    }
    const text = template.replace(/\{(\w+)\}/g, (whole, key) => {
      if (key === "until" && data.until) {
        return new Intl.DateTimeFormat(document.documentElement.dataset.locale || undefined, {
          dateStyle: "medium", timeStyle: "short", timeZone: document.documentElement.dataset.timezone || undefined,
        }).format(new Date(data.until));
      }
      if (key === "room" && data.room) {
        return roomName(data.room);
      }
      return data[key] === undefined ? whole : String(data[key]);
    });
    const box = document.createElement("p");
    box.className = "notice";
    box.setAttribute("role", "alert");
    box.textContent = text;
    document.getElementById("live-notices").appendChild(box);
  });
}
