/*
 * Being mentioned: "mention" arrives on every socket of the person named, whatever room
 * they are in. The rooms list shows "@N" per room, the menu's "Mentions" its total, and
 * the messages that name the reader stand out; the header's Mentions panel lists the
 * latest, newest first. Counts are taken again from /api/rooms
 * when the person reads elsewhere (another tab or device), since reading clears them,
 * and when an edit no longer names them ("mention_withdrawn").
 */
import { formatTimes } from "../time.js";
import { roomLink, roomName } from "./room-list.js";

const REFRESH_DELAY_MS = 1000;
const PANEL_LENGTH = 10;

export function setUpMentions(room, messages, socket) {
  const { bus, strings } = room;
  const userId = parseInt(room.userId, 10);
  const badges = new Map();
  document.querySelectorAll("#room-list a[data-room]").forEach((link) => {
    const badge = link.querySelector(".mention-badge");
    if (badge) {
      badges.set(link.dataset.room, badge);
    }
  });
  const navCount = document.querySelector(".nav-mentions .nav-count");
  const navWords = navCount ? navCount.nextElementSibling : null;
  const counts = new Map();
  const panelList = document.getElementById("mentions-panel-list");
  const panelEmpty = document.getElementById("mentions-panel-empty");
  const panelCount = document.querySelector(".mentions-panel-count");
  const entryTemplate = document.getElementById("mention-template");
  let refreshing = null;

  badges.forEach((badge, slug) => {
    counts.set(slug, badge.hidden ? 0 : parseInt(badge.firstElementChild.textContent.slice(1), 10) || 0);
  });
  let total = navCount && !navCount.hidden ? parseInt(navCount.textContent, 10) || 0 : 0;

  function showRoom(slug) {
    const badge = badges.get(slug);
    if (!badge || slug === room.slug) {
      return;
    }
    const count = counts.get(slug) || 0;
    badge.hidden = count === 0;
    badge.firstElementChild.textContent = `@${count}`;
    badge.lastElementChild.textContent = strings.counted("mentionsOfYou", count);
  }

  function showTotal() {
    if (panelCount) {
      panelCount.textContent = String(total);
    }
    if (!navCount) {
      return;
    }
    navCount.hidden = total === 0;
    navCount.textContent = String(total);
    navWords.textContent = total ? strings.counted("unreadMentions", total) : "";
  }

  function refresh() {
    window.clearTimeout(refreshing);
    refreshing = window.setTimeout(() => {
      fetch(room.root.dataset.roomsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (!data) {
            return;
          }
          total = 0;
          data.rooms.forEach((entry) => {
            counts.set(entry.slug, entry.mentions);
            total += entry.mentions;
            showRoom(entry.slug);
          });
          showTotal();
        })
        .catch(() => {});
    }, REFRESH_DELAY_MS);
  }

  /* Put a mention at the top of the header's panel, from the one template. */
  function list(event) {
    if (!panelList || !entryTemplate) {
      return;
    }
    const { message } = event;
    const entry = entryTemplate.content.firstElementChild.cloneNode(true);
    entry.dataset.messageId = String(message.id);
    entry.querySelector(".message-author").textContent = message.author.name;
    const admin = message.author.administration;
    entry.querySelector(".message-admin").textContent = admin ? `${admin.name} (${admin.country})` : "";
    const link = entry.querySelector(".mention-room");
    const listed = roomLink(event.room);
    link.href = `${listed ? listed.getAttribute("href") : `/rooms/${event.room}`}#message-${message.id}`;
    link.textContent = roomName(event.room);
    entry.querySelector("time").setAttribute("datetime", message.created_at);
    const body = entry.querySelector(".message-body");
    body.innerHTML = message.body_html; // sanitized by the server when stored
    if (message.language) {
      body.lang = message.language;
    }
    formatTimes(entry);
    panelList.prepend(entry);
    while (panelList.children.length > PANEL_LENGTH) {
      panelList.lastElementChild.remove();
    }
    panelEmpty.hidden = true;
  }

  function namesMe(message) {
    return (message.mentions || []).includes(userId) ||
      (message.mentions_room && message.author.id !== userId);
  }

  socket.on("mention", (event) => {
    const here = event.room === room.slug;
    bus.emit("mentioned", event);
    list(event);
    if (here && !document.hidden && messages.isAtBottom()) {
      return; // in view: it is read in a moment
    }
    if (!here) {
      counts.set(event.room, (counts.get(event.room) || 0) + 1);
      showRoom(event.room);
      const author = event.message.author.name;
      room.announce(strings.fill(strings.mentionedYou, { name: author, room: roomName(event.room) }));
    }
    total += 1;
    showTotal();
  });
  socket.on("read", refresh);
  /* An edit no longer names the reader: the mention leaves the panel and the counts. */
  socket.on("mention_withdrawn", (event) => {
    if (panelList) {
      panelList.querySelectorAll(`[data-message-id="${CSS.escape(String(event.message_id))}"]`)
        .forEach((entry) => entry.remove());
      panelEmpty.hidden = panelList.children.length > 0;
    }
    refresh();
  });
  bus.on("message", ({ message, item }) => {
    item.classList.toggle("mentions-me", namesMe(message));
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      refresh();
    }
  });
}
