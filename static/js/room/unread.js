/*
 * Unread messages: tells the server how far the reader has read (at most every 5 seconds,
 * only while the latest message is in view), and keeps the rooms list's counts live from
 * "room_activity" and from "read" (the same person reading on another tab or device).
 */
// Every moved position is a database write: in a busy room, report at most every 5 s.
const READ_EVERY_MS = 5000;

export function setUpUnread(room, messages, socket) {
  const { bus, strings } = room;
  const links = new Map();
  document.querySelectorAll("#room-list a[data-room]").forEach((link) => links.set(link.dataset.room, link));
  const counts = new Map();
  const readUpTo = new Map();
  const baseTitle = document.title;
  const roomsToggle = document.querySelector('.panel-toggle[data-panel="room-list"] .unread-dot');
  let reported = parseInt(room.root.dataset.lastReadId, 10) || 0;
  let pending = null;
  let lastSent = 0;
  let unseen = 0;

  links.forEach((link, slug) => {
    const badge = link.querySelector(".unread-badge");
    counts.set(slug, badge.hidden ? 0 : parseInt(badge.firstElementChild.textContent, 10) || 100);
  });

  function show(slug) {
    const link = links.get(slug);
    if (!link || slug === room.slug) {
      return;
    }
    const count = counts.get(slug) || 0;
    const badge = link.querySelector(".unread-badge");
    badge.hidden = count === 0;
    badge.firstElementChild.textContent = count > 99 ? "99+" : String(count);
    badge.lastElementChild.textContent = strings.counted("unread", count);
    if (roomsToggle) {
      roomsToggle.hidden = !Array.from(counts.entries()).some(([other, n]) => other !== room.slug && n > 0);
    }
  }

  /* Report the latest message as read, if the reader can see it. */
  function readNow() {
    const lastId = messages.lastId();
    if (document.hidden || !messages.isAtBottom() || lastId <= reported || !socket.connected) {
      return;
    }
    const wait = lastSent + READ_EVERY_MS - Date.now();
    if (wait > 0) {
      if (!pending) {
        pending = window.setTimeout(() => {
          pending = null;
          readNow();
        }, wait);
      }
      return;
    }
    reported = lastId;
    lastSent = Date.now();
    socket.emit("read", { room: room.slug, message_id: lastId }, () => {});
  }

  socket.on("room_activity", (activity) => {
    activity.rooms.forEach((entry) => {
      if (entry.room === room.slug || entry.last_message_id <= (readUpTo.get(entry.room) || 0)) {
        return;
      }
      counts.set(entry.room, (counts.get(entry.room) || 0) + entry.count);
      show(entry.room);
    });
  });
  socket.on("read", (event) => {
    readUpTo.set(event.room, Math.max(readUpTo.get(event.room) || 0, event.message_id || 0));
    counts.set(event.room, event.unread_count);
    show(event.room);
    if (event.room === room.slug) {
      reported = Math.max(reported, event.message_id || 0);
    }
  });

  bus.on("message", ({ live, mine }) => {
    if (live && document.hidden && !mine) {
      unseen += 1;
      document.title = `(${unseen}) ${baseTitle}`;
    }
    readNow();
  });
  bus.on("scrolled", readNow);
  bus.on("joined", readNow);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      unseen = 0;
      document.title = baseTitle;
      readNow();
    }
  });
  counts.forEach((count, slug) => show(slug));
}
