/*
 * The room page, enhanced: each concern is a module of its own, and they talk through
 * a small event bus (bus.js). The page works without this (the server renders the
 * messages and a plain form posts); with it, the room is live.
 */
import { watchBanners } from "../banners.js";
import { watchReportCount } from "../report-count.js";
import { watchConversations } from "../conversations.js";
import { setUpAttachments } from "./attach.js";
import { createBus } from "./bus.js";
import { setUpPanels } from "./panels.js";
import { createComposer } from "./composer.js";
import { createConnection } from "./connection.js";
import { setUpFileEvents } from "./files.js";
import { createMentionPicker } from "./mention-picker.js";
import { setUpMentions } from "./mentions.js";
import { setUpEdits } from "./edits.js";
import { createMessageList } from "./messages.js";
import { setUpNotifications } from "./notifications.js";
import { setUpModeration } from "./moderation.js";
import { createOutbox } from "./outbox.js";
import { setUpPersonCard } from "./person.js";
import { setUpPresence } from "./presence.js";
import { setUpStates } from "./states.js";
import { setUpReactions } from "./reactions.js";
import { setUpReplies, setUpReplyLinks } from "./replies.js";
import { readStrings } from "./strings.js";
import { createToolbar } from "./toolbar.js";
import { setUpTyping } from "./typing.js";
import { setUpUnread } from "./unread.js";

const root = document.getElementById("room");
if (root && typeof window.io === "function") {
  const strings = readStrings(document);
  const statusLine = document.getElementById("composer-status");
  const room = {
    root,
    slug: root.dataset.room,
    userId: String(root.dataset.userId),
    staff: root.dataset.staff === "true",
    canSend: root.dataset.canSend === "true",
    canDevelop: root.dataset.canDevelop === "true",
    slowModeSeconds: parseInt(root.dataset.slowMode, 10) || 0,
    strings,
    bus: createBus(),
    announce(text) {
      (statusLine || document.querySelector("#connection-status .status-text")).textContent = text;
    },
  };
  root.classList.add("is-enhanced");
  room.messages = createMessageList(room);
  const toolbar = createToolbar(room, room.messages);
  room.toolbar = toolbar;
  const connection = createConnection(room, room.messages);
  setUpModeration(room, room.messages, toolbar, connection);
  room.messages.openAt(parseInt(root.dataset.lastReadId, 10) || null);
  setUpPresence(room, connection.socket);
  setUpFileEvents(room, connection.socket);
  watchBanners(connection.socket);
  watchReportCount(connection.socket);
  watchConversations(connection.socket);
  setUpUnread(room, room.messages, connection.socket);
  setUpMentions(room, room.messages, connection.socket);
  setUpNotifications(room, connection.socket);
  setUpTyping(room, connection.socket);
  setUpPanels(room);
  setUpPersonCard(room);
  setUpReplyLinks(room);
  setUpEdits(room, connection.socket);
  setUpReactions(room, connection.socket);
  if (document.getElementById("composer")) {
    const composer = createComposer(room, connection);
    const outbox = createOutbox(room, connection, composer);
    const replies = setUpReplies(room, composer);
    // Attendees write in their conversations, but send no files: no button for them.
    const attachments = document.getElementById("composer-attach")
      ? setUpAttachments(room, composer) : null;
    if (attachments) {
      composer.useAttachments(attachments);
    }
    const mentionPicker = createMentionPicker(room, composer);
    composer.onSubmit((body, language) => outbox.queue(body, language, {
      ...replies.take(), ...(attachments ? attachments.take() : {}), mentions: mentionPicker.take(body),
    }));
    setUpStates(room, composer);
  } else {
    document.getElementById("outbox").hidden = true;
  }
}
