/*
 * "Elena is typing…": shown while others write, until 5 s pass without news from them or
 * their message arrives. The line is a polite live region that changes only when who is
 * typing changes, so a screen reader hears it once, not at every keystroke.
 */
const SHOWN_MS = 5000;

export function setUpTyping(room, socket) {
  const { bus, strings } = room;
  const line = document.getElementById("typing");
  const typists = new Map();

  function render() {
    const names = Array.from(typists.values()).map((typist) => typist.name);
    let text = "";
    if (names.length === 1) {
      text = strings.fill(strings["typing.one"], { name: names[0] });
    } else if (names.length === 2) {
      text = strings.fill(strings["typing.two"], { first: names[0], second: names[1] });
    } else if (names.length > 2) {
      text = strings.counted("typingMany", names.length);
    }
    if (line.textContent !== text) {
      line.textContent = text;
    }
  }

  function stop(userId) {
    const typist = typists.get(userId);
    if (typist) {
      window.clearTimeout(typist.timer);
      typists.delete(userId);
      render();
    }
  }

  socket.on("typing", (event) => {
    if (event.room !== room.slug || String(event.user.id) === room.userId) {
      return;
    }
    const id = String(event.user.id);
    const known = typists.get(id);
    if (known) {
      window.clearTimeout(known.timer);
    }
    typists.set(id, { name: event.user.name, timer: window.setTimeout(() => stop(id), SHOWN_MS) });
    if (!known) {
      render();
    }
  });
  bus.on("message", ({ message, live }) => {
    if (live) {
      stop(String(message.author.id));
    }
  });
  bus.on("disconnected", () => Array.from(typists.keys()).forEach(stop));
}
