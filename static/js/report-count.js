/*
 * The moderators' count of open reports in the menu stays current: "report_count" arrives
 * on every page of a moderator or organizer when a report is filed or settled
 * (docs/protocol.md). The server renders the count; this only keeps it up to date.
 */
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

// Elsewhere the page's one connection is the banners' (banners.js): io() shares it.
if (badges.length && !document.getElementById("room") && typeof window.io === "function") {
  watchReportCount(window.io({ reconnectionDelay: 2000, reconnectionDelayMax: 30000 }));
}
