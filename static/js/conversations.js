/*
 * Conversations, live: the menu's "Messages" count on every page, and on the Messages page
 * each conversation's unread count and latest message ("conversation_activity", sent only
 * to a conversation's members). Without JavaScript the server renders both as they are when
 * the page loads.
 */
import { pageSocket } from "./page-socket.js";
import { formatMoment } from "./time.js";

const navLink = document.querySelector(".nav-conversations");
const page = document.getElementById("conversations");
const list = document.getElementById("conversation-list");
let watching = false;

const strings = {};
const template = document.getElementById("conversation-strings");
if (template) {
  template.content.querySelectorAll("[data-key]").forEach((node) => {
    strings[node.dataset.key] = node.textContent;
  });
}
const rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "en") : null;

function counted(key, n) {
  const category = rules ? rules.select(n) : (n === 1 ? "one" : "other");
  return (strings[`${key}.${category}`] || strings[`${key}.other`] || "").replace("{n}", String(n));
}

function showCount(badge, count) {
  badge.hidden = count === 0;
  badge.firstElementChild.textContent = count > 99 ? "99+" : String(count);
  badge.lastElementChild.textContent = count ? counted("unread", count) : "";
}

function showTotal(total) {
  if (!navLink) {
    return;
  }
  const count = navLink.querySelector(".nav-count");
  count.hidden = total <= 0;
  count.textContent = String(Math.max(total, 0));
  navLink.querySelector(".visually-hidden").textContent = total > 0 ? counted("menuUnread", total) : "";
}

function entryOf(conversation) {
  const entry = document.getElementById("conversation-template").content.firstElementChild.cloneNode(true);
  entry.dataset.room = conversation.room;
  const link = entry.querySelector(".conversation-link");
  link.href = conversation.url;
  link.querySelector(".conversation-names").textContent = conversation.members.map((person) => person.name).join(", ");
  showCount(link.querySelector(".unread-badge"), conversation.unread);
  const last = conversation.last_message;
  if (last) {
    const line = entry.querySelector(".conversation-last");
    line.hidden = false;
    line.querySelector(".conversation-last-author").textContent = last.author.name;
    const body = last.body.replace(/\s+/g, " ").trim();
    line.querySelector(".conversation-last-body").textContent = body.length > 140 ? `${body.slice(0, 139)}…` : body;
    const time = line.querySelector(".conversation-last-time");
    time.dateTime = last.created_at;
    time.textContent = formatMoment(new Date(last.created_at));
  }
  return entry;
}

/* Draw the Messages page's list again from the server's (a new conversation may have come). */
function refreshList() {
  fetch(page.dataset.apiUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
    .then((data) => {
      list.replaceChildren(...data.conversations.map(entryOf));
      document.getElementById("conversations-empty").hidden = data.conversations.length > 0;
      showTotal(data.unread_total);
    })
    .catch(() => {});  // the page still shows what it had; the next message tries again
}

/* Listen for conversations' messages on a connection (a room hands over its own). */
export function watchConversations(socket) {
  if (watching) {
    return;
  }
  watching = true;
  socket.on("conversation_activity", (event) => {
    const room = document.getElementById("room");
    const readingIt = room && room.dataset.room === event.room;
    showTotal(readingIt ? event.unread_total - event.unread_count : event.unread_total);
    if (list) {
      refreshList();
    }
  });
  if (list) {
    socket.on("connect", refreshList);  // what came while the page was offline
  }
}

const socket = pageSocket();
if (socket) {
  watchConversations(socket);
}
