/*
 * The rooms list of the page (#room-list): its links name each room in the reader's
 * language, so what tells of another room (a mention, a notification, a moderator's
 * notice) takes the room's name from there, and its slug when the room is not listed.
 */

/** The rooms list's link to the room ``slug``, or null. */
export function roomLink(slug) {
  return document.querySelector(`#room-list a[data-room="${CSS.escape(slug)}"]`);
}

/** The room's name as the rooms list shows it; its slug when the list does not hold it. */
export function roomName(slug) {
  const name = roomLink(slug)?.querySelector(".room-name");
  return name ? name.textContent.trim() : slug;
}
