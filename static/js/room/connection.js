/*
 * The connection: joins the room with backfill, catches up after reconnects and resyncs,
 * and shows its state. The wire protocol is docs/protocol.md.
 */
export const ACK_TIMEOUT_MS = 10000;
// Errors worth retrying on their own; the others need a person's decision.
export const RETRYABLE = { rate_limited: true, unavailable: true, internal: true };

export function retryDelay(error) {
  const seconds = Number(error.retry_after);
  return seconds > 0 ? Math.min(seconds * 1000, 60000) : 2000;
}

export function createConnection(room, messages) {
  const { bus, strings } = room;
  const statusLine = document.getElementById("connection-status");
  const statusText = statusLine.querySelector(".status-text");
  const earlierButton = document.getElementById("load-earlier");
  const socket = window.io({ reconnectionDelay: 1000, reconnectionDelayMax: 10000 });
  const state = { joined: false, sessionEnded: false };
  // Where the next join catches up from, when not from the last message (resync).
  let catchUpFrom = null;
  let lastChange = parseInt(room.root.dataset.lastChange, 10) || 0;

  function setStatus(name, detail) {
    if (state.sessionEnded) {
      return;
    }
    statusLine.dataset.state = name;
    statusText.textContent = detail || strings[name] || name;
    bus.emit("status", name);
  }

  function join() {
    setStatus("connecting");
    const lastId = messages.lastId();
    const from = catchUpFrom !== null ? catchUpFrom : (lastId > 0 ? lastId : null);
    const catchingUp = from !== null;
    const payload = { room: room.slug, changes_after: lastChange };
    if (catchingUp) {
      payload.after = from;
    }
    socket.timeout(ACK_TIMEOUT_MS).emit("join", payload, (timedOut, ack) => {
      if (timedOut || !ack) {
        window.setTimeout(join, 2000);
        return;
      }
      if (!ack.ok) {
        handleJoinError(ack.error || {});
        return;
      }
      ack.messages.forEach((message) => messages.add(message, false));
      (ack.changes || []).forEach((change) => bus.emit("change", change));
      lastChange = Math.max(lastChange, ack.last_change || 0);
      if (catchingUp && ack.has_more) {
        // More than one page was missed: ask for the next one.
        catchUpFrom = ack.messages.length ? ack.messages[ack.messages.length - 1].id : from;
        join();
        return;
      }
      catchUpFrom = null;
      if (!catchingUp && ack.has_more && earlierButton) {
        earlierButton.hidden = false;
      }
      state.joined = true;
      setStatus("connected");
      bus.emit("joined", ack);
    });
  }

  function handleJoinError(error) {
    if (error.code === "unauthenticated") {
      endSession();
    } else if (RETRYABLE[error.code]) {
      window.setTimeout(join, retryDelay(error));
    } else {
      setStatus("reconnecting", error.message);
    }
  }

  function endSession() {
    setStatus("signed-out");
    state.sessionEnded = true;
    state.joined = false;
    socket.disconnect();
    statusText.textContent = `${strings.signedOut} `;
    const link = document.createElement("a");
    link.href = room.root.dataset.loginUrl;
    link.textContent = strings.signIn;
    statusText.appendChild(link);
  }

  socket.on("connect", join);
  socket.on("disconnect", (reason) => {
    state.joined = false;
    bus.emit("disconnected");
    if (state.sessionEnded) {
      return;
    }
    setStatus("reconnecting");
    if (reason === "io server disconnect") {
      // The server closed us without ending the session (a restart, a new
      // role): socket.io does not reconnect by itself in that case.
      window.setTimeout(() => socket.connect(), 500);
    }
  });
  socket.on("connect_error", (error) => {
    if (error && error.data && error.data.code === "unauthenticated") {
      endSession();
      return;
    }
    setStatus("reconnecting");
    if (error && error.data) {
      // Refused by the server for a passing reason: socket.io waits for us.
      window.setTimeout(() => socket.connect(), 3000);
    }
  });
  socket.on("session_ended", endSession);
  socket.on("message", (message) => {
    if (message.room === room.slug) {
      messages.add(message, true);
    }
  });
  socket.on("message_hidden", (event) => {
    if (event.room === room.slug) {
      bus.emit("change", { id: event.id, hidden: true, change: event.change, message: event.message });
    }
  });
  socket.on("message_restored", (event) => {
    if (event.room === room.slug) {
      bus.emit("change", { id: event.id, hidden: false, change: event.change, message: event.message });
    }
  });
  bus.on("change", (change) => {
    lastChange = Math.max(lastChange, change.change || 0);
  });
  // Events were lost between server processes (their Redis was away): catch up from
  // where the server says, since messages seen live meanwhile may be later than lost ones.
  socket.on("resync", (event) => {
    if (!state.joined) {
      return; // the join under way catches up anyway
    }
    const data = event || {};
    const lastId = messages.lastId();
    catchUpFrom = typeof data.after === "number" ? Math.min(lastId, data.after) : lastId;
    if (typeof data.changes_after === "number") {
      lastChange = Math.min(lastChange, data.changes_after);
    }
    join();
  });

  setStatus("connecting");
  return { socket, state, setStatus, endSession };
}
