/* Who is in the room now: the people list, kept up to date by "presence". */
export function setUpPresence(room, socket) {
  const { strings } = room;
  const list = document.getElementById("online-list");
  const count = document.getElementById("online-count");
  const more = document.getElementById("online-more");
  const copies = document.querySelectorAll(".online-count-copy");

  function render(people, total) {
    list.textContent = "";
    people.forEach((person) => {
      const item = document.createElement("li");
      item.dataset.userId = person.id;
      item.dataset.role = person.role;
      const name = document.createElement("span");
      name.className = "person-name";
      name.textContent = person.name;
      const detail = document.createElement("span");
      detail.className = "person-admin";
      detail.textContent = person.administration
        ? `${person.administration.name} (${person.administration.country})`
        : strings[`role.${person.role}`] || person.role;
      item.append(name, detail);
      list.appendChild(item);
    });
    count.textContent = String(total);
    copies.forEach((node) => { node.textContent = String(total); });
    more.hidden = total <= people.length;
    room.bus.emit("people");
  }

  room.bus.on("joined", (ack) => render(ack.online, ack.online_count));
  socket.on("presence", (presence) => {
    if (presence.room === room.slug) {
      render(presence.online, presence.online_count);
    }
  });
}
