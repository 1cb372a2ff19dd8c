/*
 * A person's card: a name in the room (on a message, or among the people online) opens
 * who they are (administration and country, role); "Message" starts (or opens) the
 * one-to-one conversation with them when the server says the reader may write to them;
 * moderators mute or ban from there.
 * The card is a native <dialog>: it keeps focus inside and Escape closes it.
 */
export function setUpPersonCard(room) {
  const { bus, strings } = room;
  const card = document.getElementById("person-card");
  if (!card || typeof card.showModal !== "function") {
    return;
  }
  const actions = card.querySelector(".person-card-actions");
  const message = card.querySelector(".person-card-message");
  const declines = card.querySelector(".person-card-declines");
  const viewerRole = room.root.dataset.role;
  let shown = null; // the id of the person the card shows

  /* Offer "Message" (or say why not) once the server has said what the reader may do. */
  function offerMessage(person) {
    message.hidden = true;
    declines.hidden = true;
    if (person.id === room.userId) {
      return;
    }
    message.elements.members.value = person.id;
    const url = message.dataset.cardUrl.replace(/\/0\/card$/, `/${person.id}/card`);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => {
        if (!answer || shown !== person.id) {
          return; // someone the reader may not see, or the card moved on to someone else
        }
        message.hidden = !answer.may_message;
        declines.textContent = strings.declinesMessages.replace("{name}", person.name);
        declines.hidden = !answer.declines_messages;
      })
      .catch(() => {}); // offline: no button, and the profile link still works
  }

  function mayActOn(person) {
    if (person.id === room.userId || person.role === "organizer") {
      return false;
    }
    return person.role !== "moderator" || viewerRole === "organizer";
  }

  function open(person, opener) {
    shown = person.id;
    card.querySelector("#person-card-name").textContent = person.name;
    card.querySelector(".person-card-administration").textContent = person.administration || "—";
    card.querySelector(".person-card-role").textContent = strings[`role.${person.role}`] || person.role;
    const profile = card.querySelector(".person-card-profile");
    if (profile) {
      profile.href = profile.dataset.href.replace(/\/0$/, `/${person.id}`);
    }
    if (actions) {
      actions.hidden = !mayActOn(person);
      actions.querySelectorAll("form[data-action]").forEach((form) => {
        form.action = form.dataset.action.replace(/\/0\/(\w+)$/, `/${person.id}/$1`);
        form.reset();
      });
    }
    if (message && declines) {
      offerMessage(person);
    }
    card.showModal();
    card.addEventListener("close", () => opener.focus(), { once: true });
  }

  /* Turn a name into a button that opens the card. */
  function enhance(node, person) {
    if (!node || node.tagName === "BUTTON") {
      return;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = `${node.className} person-link`;
    button.textContent = node.textContent;
    button.addEventListener("click", () => open(person(), button));
    node.replaceWith(button);
  }

  function fromMessage(item) {
    const admin = item.querySelector(".message-admin");
    enhance(item.querySelector(".message-author"), () => ({
      id: item.dataset.authorId,
      name: item.querySelector(".message-author").textContent,
      role: item.dataset.authorRole,
      administration: admin && item.dataset.authorRole !== "attendee" && admin.textContent.includes("(")
        ? admin.textContent : null,
    }));
  }

  function fromPeople() {
    document.querySelectorAll("#online-list li[data-user-id]").forEach((item) => {
      const admin = item.querySelector(".person-admin");
      enhance(item.querySelector(".person-name"), () => ({
        id: item.dataset.userId,
        name: item.querySelector(".person-name").textContent,
        role: item.dataset.role || "delegate",
        administration: admin && admin.textContent.includes("(") ? admin.textContent : null,
      }));
    });
  }

  room.messages.list.querySelectorAll(":scope > .message").forEach(fromMessage);
  bus.on("message", ({ item }) => fromMessage(item));
  bus.on("people", fromPeople);
  fromPeople();
}
