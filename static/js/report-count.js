/*
 * The moderators' count of open reports in the menu stays current: "report_count" arrives
 * on every page of a moderator or organizer when a report is filed or settled, and on
 * every (re)connection, so a page that was offline catches up (docs/protocol.md). The
 * server renders the count; this only keeps it up to date.
 */
import { pageSocket } from "./page-socket.js";

const badges = document.querySelectorAll(".report-count");
const words = document.querySelector(".report-count-words");
const strings = document.getElementById("report-count-strings");

function wording(count) {
  const rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "en") : null;
  const category = rules ? rules.select(count) : (count === 1 ? "one" : "other");
  const node = strings.content.querySelector(`[data-key="${category}"]`) ||
    strings.content.querySelector('[data-key="other"]');
  return node ? node.textContent.replace("{n}", String(count)) : "";
}

function show(count) {
  badges.forEach((badge) => {
    badge.textContent = String(count);
    badge.hidden = count === 0;
  });
  if (words && strings) {
    words.textContent = count ? wording(count) : "";
  }
}

let watching = false;

/* Listen for the count on a connection (a room page hands over its own). */
export function watchReportCount(socket) {
  if (!badges.length || watching) {
    return;
  }
  watching = true;
  socket.on("report_count", (event) => {
    if (event && Number.isInteger(event.count) && event.count >= 0) {
      show(event.count);
    }
  });
}

// Elsewhere the page's one connection, shared with the banners and conversations.
if (badges.length) {
  const socket = pageSocket();
  if (socket) {
    watchReportCount(socket);
  }
}
