/*
 * The message list: shows messages from the one <template id="message-template"> the
 * server renders, in id order and once each, groups one author's consecutive messages,
 * opens at the first unread message (with a "New" divider) or at the latest, and offers
 * "↓ N new messages" when the reader has scrolled up.
 */
import { formatTimes } from "../time.js";
import { fillReactions } from "./reactions.js";
import { fillAttachments } from "./files.js";

const GROUP_MS = 5 * 60 * 1000;
const NEAR_BOTTOM_PX = 80;

export function createMessageList(room) {
  const { bus, strings } = room;
  const list = document.getElementById("messages");
  const scroller = document.getElementById("conversation");
  const emptyNote = document.getElementById("no-messages");
  const jumpButton = document.getElementById("jump-new");
  const earlierButton = document.getElementById("load-earlier");
  const template = document.getElementById("message-template").content.firstElementChild;
  const seen = new Set();
  let lastId = 0;
  let firstId = null;
  let newCount = 0;
  let atBottom = true;

  function noteId(id) {
    seen.add(id);
    lastId = Math.max(lastId, id);
    firstId = firstId === null ? id : Math.min(firstId, id);
  }

  function items() {
    return list.querySelectorAll(":scope > .message");
  }

  /* Build a message's element from the shared template. */
  function render(message) {
    const item = template.cloneNode(true);
    item.id = `message-${message.id}`;
    item.dataset.id = message.id;
    item.dataset.clientId = message.client_id;
    item.dataset.authorId = message.author.id;
    item.dataset.authorRole = message.author.role;
    item.dataset.createdAt = message.created_at;
    item.querySelector(".message-author").textContent = message.author.name;
    const admin = item.querySelector(".message-admin");
    const administration = message.author.administration;
    if (administration) {
      admin.textContent = `${administration.name} (${administration.country})`;
    } else if (message.author.role !== "delegate") {
      admin.textContent = strings[`role.${message.author.role}`] || message.author.role;
    } else {
      admin.remove();
    }
    item.querySelector("time").setAttribute("datetime", message.created_at);
    const edited = item.querySelector(".message-edited");
    if (message.edited_at) {
      edited.querySelector("time").setAttribute("datetime", message.edited_at);
    } else {
      edited.remove();
    }
    fillReply(item.querySelector(".message-reply"), message.reply_to);
    const body = item.querySelector(".message-body");
    body.innerHTML = message.body_html; // sanitized by the server when stored
    if (message.language) {
      body.lang = message.language; // screen readers read it in its own language
    }
    fillAttachments(item.querySelector(".message-files"), message.attachments, strings);
    const practice = item.querySelector(".message-practice");
    if (message.practice && message.practice.url.charAt(0) === "/") {
      const link = practice.querySelector("a");
      link.href = message.practice.url;
      link.textContent = message.practice.title;
    } else {
      practice.remove();
    }
    fillReactions(room, item.querySelector(".message-reactions"), message.reactions || []);
    markHidden(item, message.hidden);
    formatTimes(item);
    return item;
  }

  /* The quote of the message a reply answers: a link to it, or a note that it is gone. */
  function fillReply(quote, reply) {
    if (!reply) {
      quote.remove();
      return;
    }
    const link = quote.querySelector(".message-reply-link");
    quote.querySelector(".message-reply-author").textContent = reply.author.name;
    quote.querySelector(".message-reply-excerpt").textContent = reply.excerpt === null
      ? strings.originalRemoved : reply.excerpt;
    if (reply.excerpt !== null) {
      link.href = `#message-${reply.id}`;
      link.dataset.replyTo = reply.id;
    }
  }

  /* A hidden message (moderators see them): the template's note says why, in one of its
     two wordings; a visible message has no note. */
  function markHidden(item, hidden) {
    item.classList.toggle("is-hidden", Boolean(hidden));
    const note = item.querySelector(".hidden-note");
    if (!hidden) {
      delete item.dataset.hidden;
      delete item.dataset.hiddenByAuthor;
      if (note) {
        note.remove();
      }
      return;
    }
    item.dataset.hidden = "true";
    item.dataset.hiddenByAuthor = hidden.by_author ? "true" : "false";
    if (!note) {
      return;
    }
    if (hidden.by_author) {
      note.querySelector(".hidden-note-moderated").remove();
    } else {
      note.querySelector(".hidden-note-withdrawn").remove();
      note.querySelector(".hidden-note-name").textContent = hidden.by ? hidden.by.name : "?";
      note.querySelector(".hidden-note-reason").textContent = hidden.reason || "";
    }
  }

  /* Mark messages that continue their author's previous one (same person, a few minutes). */
  function group(item) {
    [item, item && item.nextElementSibling].forEach((node) => {
      if (!node || !node.classList.contains("message")) {
        return;
      }
      const previous = node.previousElementSibling;
      const moment = Date.parse(node.querySelector("time").getAttribute("datetime"));
      const continues = previous && previous.classList.contains("message") &&
        previous.dataset.authorId === node.dataset.authorId &&
        !previous.dataset.hidden && !node.dataset.hidden &&
        moment - Date.parse(previous.querySelector("time").getAttribute("datetime")) < GROUP_MS;
      node.classList.toggle("is-grouped", Boolean(continues));
    });
  }

  function insert(item, id) {
    let next = null;
    for (let node = list.lastElementChild; node; node = node.previousElementSibling) {
      if (node.classList.contains("message") && parseInt(node.dataset.id, 10) < id) {
        break;
      }
      next = node;
    }
    list.insertBefore(item, next);
  }

  /* Show a message (live or from history) unless it is already shown. */
  function add(message, live) {
    if (seen.has(message.id)) {
      return;
    }
    const mine = String(message.author.id) === room.userId;
    const wasAtBottom = isAtBottom();
    const item = render(message);
    insert(item, message.id);
    noteId(message.id);
    group(item);
    emptyNote.hidden = true;
    bus.emit("message", { message, item, live, mine });
    if (wasAtBottom || mine) {
      scrollToBottom();
    } else if (live && message.id === lastId) {
      newCount += 1;
      showJump();
    }
  }

  function replace(message) {
    const old = document.getElementById(`message-${message.id}`);
    if (!old) {
      seen.delete(message.id);
      add(message, false);
      return;
    }
    const item = render(message);
    old.replaceWith(item);
    group(item);
    bus.emit("message", { message, item, live: false, replaced: true });
  }

  function remove(id) {
    const item = document.getElementById(`message-${id}`);
    seen.delete(id);
    if (!item) {
      return false;
    }
    const next = item.nextElementSibling;
    item.remove();
    group(next);
    return true;
  }

  function isAtBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    noteScroll();
  }

  function showJump() {
    jumpButton.textContent = strings.counted("newMessages", newCount);
    jumpButton.hidden = false;
  }

  function noteScroll() {
    const now = isAtBottom();
    if (now && newCount) {
      newCount = 0;
      jumpButton.hidden = true;
    }
    if (now !== atBottom || now) {
      atBottom = now;
      bus.emit("scrolled", { atBottom: now });
    }
  }

  /* Open where the reader left: the first unread message under a "New" divider, else the latest. */
  function openAt(lastReadId) {
    let firstUnread = null;
    if (lastReadId) {
      firstUnread = Array.prototype.find.call(items(), (node) =>
        parseInt(node.dataset.id, 10) > lastReadId && node.dataset.authorId !== room.userId);
    }
    if (!firstUnread) {
      scrollToBottom();
      return;
    }
    const divider = document.createElement("li");
    divider.className = "new-divider";
    divider.id = "new-divider";
    const label = document.createElement("span");
    label.textContent = strings.new;
    divider.appendChild(label);
    list.insertBefore(divider, firstUnread);
    group(firstUnread); // the first message after the divider shows its author again
    scroller.scrollTop = divider.offsetTop - scroller.offsetTop;
    noteScroll();
  }

  /* Load the page of messages before the first shown; resolves to whether more exist. */
  function loadEarlier(limit) {
    if (firstId === null) {
      return Promise.resolve(false);
    }
    earlierButton.disabled = true;
    let url = `${room.root.dataset.messagesUrl}?before=${encodeURIComponent(firstId)}`;
    if (limit) {
      url += `&limit=${encodeURIComponent(limit)}`;
    }
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then((data) => {
        const anchor = list.firstElementChild;
        const offset = anchor ? anchor.getBoundingClientRect().top : 0;
        data.messages.forEach((message) => add(message, false));
        if (anchor) {
          scroller.scrollTop += anchor.getBoundingClientRect().top - offset;
        }
        earlierButton.disabled = false;
        if (!data.has_more) {
          earlierButton.hidden = true;
          room.announce(strings.noMore);
        }
        return data.has_more;
      })
      .catch(() => {
        earlierButton.disabled = false;
        room.announce(strings.loadFailed);
        return false;
      });
  }

  items().forEach((item) => {
    noteId(parseInt(item.dataset.id, 10));
    group(item);
  });
  formatTimes(list);
  scroller.addEventListener("scroll", noteScroll, { passive: true });
  // At the bottom, stay there when the box or its content changes size (the composer
  // grows, a picture loads, the window turns).
  if (window.ResizeObserver) {
    const keepBottom = () => {
      if (atBottom) {
        scroller.scrollTop = scroller.scrollHeight;
      }
    };
    const observer = new ResizeObserver(keepBottom);
    observer.observe(scroller);
    observer.observe(list);
  }
  jumpButton.addEventListener("click", () => {
    scrollToBottom();
    list.focus({ preventScroll: true });
  });
  if (earlierButton) {
    earlierButton.addEventListener("click", () => loadEarlier());
  }

  return {
    list,
    add,
    replace,
    remove,
    render,
    openAt,
    loadEarlier,
    scrollToBottom,
    isAtBottom,
    has: (id) => seen.has(id),
    lastId: () => lastId,
  };
}
