/*
 * The one formatter of times on every page: the reader's language and time zone (chosen in
 * their settings, else the device's), "today" as the time alone, "yesterday" as chats say it,
 * and the full date in the title. <time datetime> keeps the machine-readable moment.
 */
const root = document.documentElement;
const language = root.dataset.locale || root.lang || undefined;
const zone = root.dataset.timezone || undefined;

const timeOnly = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit", timeZone: zone });
const dateAndTime = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short", timeZone: zone });
const full = new Intl.DateTimeFormat(language, { dateStyle: "full", timeStyle: "short", timeZone: zone });
const day = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone });
const relative = window.Intl && Intl.RelativeTimeFormat
  ? new Intl.RelativeTimeFormat(language, { numeric: "auto" }) : null;

/* Write a moment for a reader: "14:05", "yesterday 14:05", or "4 Dec 2026, 14:05". */
export function formatMoment(moment, now = new Date()) {
  const today = day.format(now);
  const yesterday = day.format(new Date(now.getTime() - 86400000));
  const which = day.format(moment);
  if (which === today) {
    return timeOnly.format(moment);
  }
  if (which === yesterday && relative) {
    return `${relative.format(-1, "day")} ${timeOnly.format(moment)}`;
  }
  return dateAndTime.format(moment);
}

export function fullMoment(moment) {
  return full.format(moment);
}

/* Format one <time datetime> element, or every one inside a container. */
export function formatTimes(container) {
  const nodes = container.matches && container.matches("time[datetime]")
    ? [container] : container.querySelectorAll("time[datetime]");
  const now = new Date();
  nodes.forEach((node) => {
    const value = node.getAttribute("datetime") || "";
    if (!value.includes("T")) {
      return; // a day, not a moment: the server's wording stays
    }
    if ("asServed" in node.dataset) {
      return; // written by the server in a zone the page names (the agenda): it stays
    }
    const moment = new Date(value);
    if (Number.isNaN(moment.getTime())) {
      return;
    }
    node.textContent = formatMoment(moment, now);
    node.title = fullMoment(moment);
  });
}

// Every page: its moments, in the reader's time zone and words.
formatTimes(document.body);
