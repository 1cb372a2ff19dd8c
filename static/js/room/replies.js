/*
 * Replies: "Reply" in a message's toolbar quotes it above the composer (Escape or
 * "Cancel reply" drops the quote), the next message sent answers it (reply_to), and a
 * reply's quote jumps to the message it answers, loading earlier history if needed.
 */
const EXCERPT_LENGTH = 140;
const HIGHLIGHT_MS = 2000;
const MAX_PAGES = 20;

/* The start of a text on one line, as the server quotes it (exchange/serialize.py). */
function excerpt(text) {
  const flat = text.split(/\s+/).filter(Boolean).join(" ");
  if (flat.length <= EXCERPT_LENGTH) {
    return flat;
  }
  let cut = flat.slice(0, EXCERPT_LENGTH - 1);
  const space = cut.lastIndexOf(" ");
  if (space > EXCERPT_LENGTH / 2) {
    cut = cut.slice(0, space);
  }
  return `${cut}…`;
}

/* The composer's reply state; returns take(), which hands the reply over to a message. */
export function setUpReplies(room, composer) {
  const { strings, toolbar } = room;
  const bar = document.getElementById("composer-reply");
  const input = document.getElementById("composer-reply-to");
  const author = bar.querySelector(".composer-reply-author");
  const quote = bar.querySelector(".composer-reply-excerpt");
  const cancelLink = document.getElementById("composer-reply-cancel");

  function start(item) {
    input.value = item.dataset.id;
    author.textContent = item.querySelector(".message-author").textContent;
    quote.textContent = excerpt(item.querySelector(".message-body").textContent);
    bar.hidden = false;
    composer.focus();
  }

  function clear() {
    input.value = "";
    author.textContent = "";
    quote.textContent = "";
    bar.hidden = true;
  }

  function cancel() {
    clear();
    room.announce(strings.replyCancelled);
    composer.focus();
  }

  toolbar.register({
    id: "reply",
    label: strings.reply,
    applies: (item) => room.canSend && item.dataset.hidden !== "true",
    run: start,
  });
  cancelLink.addEventListener("click", (event) => {
    event.preventDefault();
    cancel();
  });
  composer.textarea.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && input.value) {
      event.preventDefault();
      cancel();
    }
  });
  // The answered message disappeared (a moderator hid it, its author withdrew it).
  room.bus.on("change", (change) => {
    if (change.hidden && String(change.id) === input.value) {
      clear();
    }
  });

  return {
    take() {
      const id = parseInt(input.value, 10);
      clear();
      return id > 0 ? { reply_to: id } : {};
    },
  };
}

/* A reply's quote jumps to the message it answers, loading earlier pages until it is shown. */
export function setUpReplyLinks(room) {
  const { messages, strings } = room;

  function show(target) {
    target.scrollIntoView({ block: "center" });
    target.classList.add("is-highlighted");
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: true });
    window.setTimeout(() => target.classList.remove("is-highlighted"), HIGHLIGHT_MS);
  }

  async function reach(id) {
    for (let page = 0; page < MAX_PAGES && !document.getElementById(`message-${id}`); page += 1) {
      if (!(await messages.loadEarlier(500))) {
        break;
      }
    }
    const target = document.getElementById(`message-${id}`);
    if (target) {
      show(target);
    } else {
      room.announce(strings.originalNotFound);
    }
  }

  // The answered message's words changed (an edit): its quotes follow.
  room.bus.on("message", ({ message, replaced }) => {
    if (!replaced) {
      return;
    }
    messages.list.querySelectorAll(`.message-reply-link[data-reply-to="${message.id}"] .message-reply-excerpt`)
      .forEach((node) => {
        node.textContent = excerpt(message.body);
      });
  });
  // A link to one message of the room (a search result): show it, however far back.
  const wanted = /^#message-(\d+)$/.exec(window.location.hash);
  if (wanted) {
    reach(parseInt(wanted[1], 10));
  }
  messages.list.addEventListener("click", (event) => {
    const link = event.target.closest(".message-reply-link[data-reply-to]");
    if (!link) {
      return;
    }
    event.preventDefault();
    reach(parseInt(link.dataset.replyTo, 10));
  });
}
