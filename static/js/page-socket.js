/*
 * The one Socket.IO connection of a page that is not a room: banners and the conversations'
 * counts share it. A room opens its own (room/connection.js) and hands it to them.
 */
let socket = null;

export function pageSocket() {
  if (!socket && typeof window.io === "function" && !document.getElementById("room")) {
    socket = window.io({ reconnectionDelay: 2000, reconnectionDelayMax: 30000 });
  }
  return socket;
}
