/*
 * States that explain themselves: while a moderator's mute lasts the composer is disabled
 * and counts down ("You can write again in 9:41"); in slow mode the Send button counts
 * down to the next message one may send.
 */
function clock(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return minutes >= 60 ? `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}:${rest}`
    : `${minutes}:${rest}`;
}

export function setUpStates(room, composer) {
  const { bus, strings } = room;
  const note = document.getElementById("composer-state");
  const send = composer.sendButton;
  const sendLabel = send.textContent;
  let mutedUntil = Date.parse(room.root.dataset.mutedUntil || "") || 0;
  let slowUntil = 0;
  let timer = null;

  function tick() {
    const now = Date.now();
    const muted = mutedUntil > now;
    composer.textarea.disabled = muted;
    note.hidden = !muted;
    if (muted) {
      const text = strings.fill(strings.mutedFor, { time: clock(Math.ceil((mutedUntil - now) / 1000)) });
      if (note.textContent !== text) {
        note.textContent = text;
      }
    }
    const slow = !muted && slowUntil > now;
    send.disabled = muted || slow;
    send.textContent = slow ? strings.fill(strings.sendIn, { n: Math.ceil((slowUntil - now) / 1000) }) : sendLabel;
    if (!muted && !slow) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  function start() {
    tick();
    if (!timer && (mutedUntil > Date.now() || slowUntil > Date.now())) {
      timer = window.setInterval(tick, 1000);
    }
  }

  bus.on("notice", (notice) => {
    if (notice.kind === "muted" && notice.data && notice.data.until) {
      mutedUntil = Date.parse(notice.data.until);
    } else if (notice.kind === "unmuted") {
      mutedUntil = 0;
    }
    start();
  });
  bus.on("refused", (error) => {
    if (error.code === "muted" && error.until) {
      mutedUntil = Date.parse(error.until);
    } else if (error.code === "rate_limited" && room.slowModeSeconds && error.retry_after) {
      slowUntil = Date.now() + error.retry_after * 1000;
    }
    start();
  });
  bus.on("sent", () => {
    if (room.slowModeSeconds && !room.staff) {
      slowUntil = Date.now() + room.slowModeSeconds * 1000;
      start();
    }
  });
  bus.on("slow-mode", (seconds) => {
    if (!seconds) {
      slowUntil = 0;
    }
    start();
  });
  start();
}
