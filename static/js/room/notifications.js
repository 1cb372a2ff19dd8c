/*
 * Browser notifications: while this tab is in the background, the Notification API tells
 * of mentions and replies (and, in rooms the person chose so, of every message). Consent
 * is asked at a moment that explains itself, the first mention or reply, with a button
 * the person presses; never on page load. Each room's choice comes from the settings
 * page (data-notify): "all", "mentions" (the default) or "nothing".
 */
import { safeStorage } from "./outbox.js";
import { roomLink, roomName } from "./room-list.js";

const EXCERPT_LENGTH = 140;

function excerpt(text) {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH - 1)}…` : flat;
}

export function setUpNotifications(room, socket) {
  const { bus, strings } = room;
  const ask = document.getElementById("notify-ask");
  if (!("Notification" in window) || !ask) {
    return;
  }
  let levels = {};
  try {
    levels = JSON.parse(room.root.dataset.notify || "{}");
  } catch (error) {
    levels = {};
  }
  const level = (slug) => levels[slug] || "mentions";
  const userId = parseInt(room.userId, 10);
  const storage = safeStorage();
  const askedKey = `exchange.notify.asked.${room.userId}`;

  /* Offer to turn notifications on, once, after something worth a notification happened. */
  function offer() {
    if (Notification.permission === "default" && !storage.get(askedKey)) {
      ask.hidden = false;
    }
  }

  function answered(yes) {
    ask.hidden = true;
    storage.set(askedKey, "1");
    if (yes) {
      Notification.requestPermission().catch(() => {});
    }
  }

  function notify(title, body, slug, messageId, tag) {
    if (!document.hidden || Notification.permission !== "granted") {
      return;
    }
    const notification = new Notification(title, { body, tag, lang: document.documentElement.lang });
    notification.addEventListener("click", () => {
      window.focus();
      notification.close();
      if (slug !== room.slug) {
        const link = roomLink(slug);
        const anchor = messageId ? `#message-${messageId}` : "";
        window.location.assign(`${link ? link.getAttribute("href") : `/rooms/${slug}`}${anchor}`);
      }
    });
  }

  function tellOf(event, wording) {
    offer();
    if (level(event.room) === "nothing") {
      return;
    }
    const { message } = event;
    notify(strings.fill(wording, { name: message.author.name, room: roomName(event.room) }),
      excerpt(message.body), event.room, message.id, `message-${message.id}`);
  }

  bus.on("mentioned", (event) => tellOf(event, strings.notifyMention));
  socket.on("reply", (event) => tellOf(event, strings.notifyReply));
  bus.on("message", ({ message, live, mine }) => {
    const toMe = (message.mentions || []).includes(userId) || message.mentions_room ||
      (message.reply_to && message.reply_to.author && message.reply_to.author.id === userId);
    if (!live || mine || toMe || level(room.slug) !== "all") {
      return; // what names or answers the reader comes as "mention" or "reply"
    }
    notify(strings.fill(strings.notifyMessage, { name: message.author.name, room: roomName(room.slug) }),
      excerpt(message.body), room.slug, message.id, `room-${room.slug}`);
  });
  socket.on("room_activity", (activity) => {
    activity.rooms.forEach((entry) => {
      if (entry.room === room.slug || level(entry.room) !== "all") {
        return;
      }
      notify(strings.fill(strings.counted("notifyActivity", entry.count), { room: roomName(entry.room) }),
        "", entry.room, null, `room-${entry.room}`);
    });
  });
  ask.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-answer]");
    if (button) {
      answered(button.dataset.answer === "yes");
    }
  });
}
