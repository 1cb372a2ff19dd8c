/*
 * The outbox: what the person wrote, kept in localStorage until the server has it,
 * sent one at a time and in order, again after reconnecting (the same client_id, so
 * the server stores each once).
 */
import { newClientId } from "../client-id.js";
import { ACK_TIMEOUT_MS, RETRYABLE, retryDelay } from "./connection.js";

export function safeStorage() {
  const memory = {};
  return {
    get(key) {
      try {
        return window.localStorage.getItem(key);
      } catch (error) {
        return memory[key] || null;
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(key, value);
      } catch (error) {
        memory[key] = value;
      }
    },
  };
}

export function createOutbox(room, connection, composer) {
  const { bus, strings } = room;
  const socket = connection.socket;
  const storage = safeStorage();
  const key = `exchange.outbox.${room.userId}.${room.slug}`;
  const listNode = document.getElementById("outbox");
  const acknowledged = {};
  let items = load();
  let sending = false;
  let retryTimer = null;

  function load() {
    try {
      const stored = JSON.parse(storage.get(key) || "[]");
      return Array.isArray(stored) ? stored.filter((item) =>
        item && typeof item.client_id === "string" && typeof item.body === "string") : [];
    } catch (error) {
      return [];
    }
  }

  /* Save, merging what another tab of the same room may have added meanwhile. */
  function save() {
    const mine = new Set(items.map((item) => item.client_id));
    load().forEach((item) => {
      if (!mine.has(item.client_id) && !acknowledged[item.client_id]) {
        items.push(item);
        render(item);
      }
    });
    storage.set(key, JSON.stringify(items.map((item) => ({
      client_id: item.client_id, body: item.body, state: item.state === "failed" ? "failed" : "queued",
      error: item.error || null, created: item.created, language: item.language || null,
      fields: item.fields || null,
    }))));
  }

  function button(label, onClick) {
    const node = document.createElement("button");
    node.type = "button";
    node.className = "button small";
    node.textContent = label;
    node.addEventListener("click", onClick);
    return node;
  }

  function render(item) {
    let node = document.getElementById(`outbox-${item.client_id}`);
    if (!node) {
      node = document.createElement("li");
      node.id = `outbox-${item.client_id}`;
      node.className = "message pending";
      const body = document.createElement("div");
      body.className = "message-body pending-body";
      body.textContent = item.body;
      const state = document.createElement("p");
      state.className = "pending-state";
      node.append(body, state);
      const files = item.fields && Array.isArray(item.fields.attachments) ? item.fields.attachments : [];
      if (files.length) {
        const note = document.createElement("p");
        note.className = "pending-files";
        note.textContent = strings.counted("filesAttached", files.length);
        body.after(note);
      }
      listNode.appendChild(node);
    }
    node.dataset.state = item.state;
    const stateLine = node.querySelector(".pending-state");
    stateLine.textContent = "";
    if (item.state === "failed") {
      const error = document.createElement("span");
      error.className = "pending-error";
      error.textContent = `${strings.failed} ${item.error} `;
      stateLine.appendChild(error);
      stateLine.appendChild(button(strings.retry, () => {
        item.state = "queued";
        item.error = null;
        save();
        render(item);
        pump();
      }));
      stateLine.appendChild(button(strings.edit, () => {
        composer.insert(item.body);
        remove(item.client_id);
      }));
      stateLine.appendChild(button(strings.discard, () => {
        remove(item.client_id);
        composer.focus();
      }));
    } else {
      stateLine.textContent = item.state === "sending" || connection.state.joined ? strings.sending : strings.waiting;
    }
  }

  function remove(clientId) {
    acknowledged[clientId] = true;
    const before = items.length;
    items = items.filter((item) => item.client_id !== clientId);
    const node = document.getElementById(`outbox-${clientId}`);
    if (node) {
      node.remove();
    }
    if (items.length !== before) {
      save();
    }
  }

  function retryLater(item, delay) {
    item.state = "queued";
    render(item);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(pump, delay);
  }

  /* Send the oldest waiting message, one at a time, so they arrive in order. */
  function pump() {
    if (!connection.state.joined || sending || !socket.connected || connection.state.sessionEnded) {
      return;
    }
    const item = items.find((candidate) => candidate.state === "queued");
    if (!item) {
      return;
    }
    sending = true;
    item.state = "sending";
    render(item);
    const payload = { room: room.slug, body: item.body, client_id: item.client_id };
    if (item.language) {
      payload.language = item.language;
    }
    // What other modules add to a message (reply_to...), kept with it until it is sent.
    Object.assign(payload, item.fields || {});
    socket.timeout(ACK_TIMEOUT_MS).emit("send", payload, (timedOut, ack) => {
      sending = false;
      if (timedOut || !ack) {
        // No answer: it may or may not be stored. Resending the same client_id is safe.
        retryLater(item, 2000);
        return;
      }
      if (ack.ok) {
        const detected = !item.language && ack.message.language;
        composer.status(detected
          ? strings.fill(strings.messageSentDetected, { language: composer.languageName(ack.message.language) })
          : strings.messageSent);
        room.messages.add(ack.message, false);
        remove(item.client_id);
        bus.emit("sent", ack.message);
        pump();
        return;
      }
      const error = ack.error || {};
      bus.emit("refused", error);
      if (error.code === "unauthenticated") {
        item.state = "queued";
        render(item);
        connection.endSession();
      } else if (RETRYABLE[error.code]) {
        retryLater(item, retryDelay(error));
      } else {
        item.state = "failed";
        item.error = error.message || error.code;
        save();
        render(item);
        composer.status(`${strings.failed} ${item.error}`);
        pump();
      }
    });
  }

  function queue(body, language, fields) {
    const item = { client_id: newClientId(), body, state: "queued", created: Date.now(), language, fields };
    items.push(item);
    save();
    render(item);
    composer.status(connection.state.joined ? "" : strings.messageQueued);
    room.messages.scrollToBottom();
    pump();
  }

  items.forEach((item) => {
    if (item.state === "sending") {
      item.state = "queued";
    }
    render(item);
  });
  bus.on("message", ({ message, mine }) => {
    if (mine) {
      remove(message.client_id);
    }
  });
  bus.on("joined", pump);
  bus.on("status", () => items.forEach((item) => item.state === "queued" && render(item)));
  bus.on("disconnected", () => {
    sending = false;
    items.forEach((item) => {
      if (item.state === "sending") {
        item.state = "queued";
        render(item);
      }
    });
  });
  return { queue, pump };
}
