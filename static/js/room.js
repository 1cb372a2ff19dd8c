/*
 * Live chat of one room page: joins with backfill, keeps an outbox that
 * survives disconnects and reloads, and shows who is online.
 * The wire protocol is docs/protocol.md.
 */
(function () {
  "use strict";

  var root = document.getElementById("room");
  if (!root || typeof window.io !== "function") {
    return;
  }

  var ROOM = root.dataset.room;
  var USER_ID = String(root.dataset.userId);
  var CAN_SEND = root.dataset.canSend === "true";
  var MAX_LENGTH = parseInt(root.dataset.maxLength, 10) || 4000;
  var MESSAGES_URL = root.dataset.messagesUrl;
  // Delegates may turn their own messages into draft practices (a plain form post).
  var CAN_DEVELOP = root.dataset.canDevelop === "true";
  var DEVELOP_URL = root.dataset.developUrl;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var LOGIN_URL = root.dataset.loginUrl;
  var STAFF = root.dataset.staff === "true";
  var ACK_TIMEOUT_MS = 10000;
  // Errors worth retrying on their own; the others need the author's decision.
  var RETRYABLE = { rate_limited: true, unavailable: true, internal: true };

  var strings = readStrings();
  var pluralRules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "en") : null;
  var list = document.getElementById("messages");
  var emptyNote = document.getElementById("no-messages");
  var outboxList = document.getElementById("outbox");
  var statusLine = document.getElementById("connection-status");
  var statusText = statusLine.querySelector(".status-text");
  var earlierButton = document.getElementById("load-earlier");
  var onlineList = document.getElementById("online-list");
  var onlineCount = document.getElementById("online-count");
  var onlineMore = document.getElementById("online-more");
  var form = document.getElementById("composer");
  var textarea = form ? form.querySelector("textarea") : null;
  var counter = document.getElementById("composer-count");
  var languageSelect = document.getElementById("composer-language");
  var composerStatus = document.getElementById("composer-status");

  var storage = safeStorage();
  var OUTBOX_KEY = "exchange.outbox." + USER_ID + "." + ROOM;
  var DRAFT_KEY = "exchange.draft." + USER_ID + "." + ROOM;

  var seen = {};
  var lastId = 0;
  // Where the next join catches up from, when not from lastId (paging, resync).
  var catchUpFrom = null;
  var lastChange = parseInt(root.dataset.lastChange, 10) || 0;
  var firstId = null;
  var acknowledged = {};
  var outbox = loadOutbox();
  var joined = false;
  var sending = false;
  var sessionEnded = false;
  var retryTimer = null;
  var unread = 0;
  var baseTitle = document.title;

  Array.prototype.forEach.call(list.children, function (item) {
    noteId(parseInt(item.dataset.id, 10));
    addActions(item);
  });
  localizeTimes(list);
  outbox.forEach(function (item) {
    if (item.state === "sending") {
      item.state = "queued";
    }
    renderOutboxItem(item);
  });

  var socket = window.io({ reconnectionDelay: 1000, reconnectionDelayMax: 10000 });
  setStatus("connecting");

  socket.on("connect", join);
  socket.on("disconnect", function (reason) {
    joined = false;
    sending = false;
    requeueInFlight();
    if (sessionEnded) {
      return;
    }
    setStatus("reconnecting");
    if (reason === "io server disconnect") {
      // The server closed us without ending the session (a restart, a new
      // role): socket.io does not reconnect by itself in that case.
      window.setTimeout(function () { socket.connect(); }, 500);
    }
  });
  socket.on("connect_error", function (error) {
    if (error && error.data && error.data.code === "unauthenticated") {
      endSession();
      return;
    }
    setStatus("reconnecting");
    if (error && error.data) {
      // Refused by the server for a passing reason: socket.io waits for us.
      window.setTimeout(function () { socket.connect(); }, 3000);
    }
  });
  socket.on("session_ended", endSession);
  socket.on("message", function (message) {
    if (message.room === ROOM) {
      addMessage(message, true);
    }
  });
  socket.on("presence", function (presence) {
    if (presence.room === ROOM) {
      renderOnline(presence.online, presence.online_count);
    }
  });
  socket.on("message_hidden", function (event) {
    if (event.room === ROOM) {
      applyChange({ id: event.id, hidden: true, change: event.change, message: event.message });
    }
  });
  socket.on("message_restored", function (event) {
    if (event.room === ROOM) {
      applyChange({ id: event.id, hidden: false, change: event.change, message: event.message });
    }
  });
  socket.on("room_updated", function (event) {
    if (event.room.slug === ROOM) {
      showSlowMode(event.room.slow_mode_seconds);
    }
  });
  socket.on("notice", showNotice);
  // Events were lost between server processes (their Redis was away): catch up from
  // where the server says, since messages seen live meanwhile may be later than lost ones.
  socket.on("resync", function (event) {
    if (!joined) {
      return;  // the join under way catches up anyway
    }
    event = event || {};
    catchUpFrom = typeof event.after === "number" ? Math.min(lastId, event.after) : lastId;
    if (typeof event.changes_after === "number") {
      lastChange = Math.min(lastChange, event.changes_after);
    }
    join();
  });

  if (form) {
    setUpComposer();
  }
  if (earlierButton) {
    earlierButton.addEventListener("click", loadEarlier);
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      unread = 0;
      document.title = baseTitle;
    }
  });

  // --- joining and catching up -------------------------------------------

  function join() {
    setStatus("connecting");
    var from = catchUpFrom !== null ? catchUpFrom : (lastId > 0 ? lastId : null);
    var catchingUp = from !== null;
    var payload = { room: ROOM, changes_after: lastChange };
    if (catchingUp) {
      payload.after = from;
    }
    socket.timeout(ACK_TIMEOUT_MS).emit("join", payload, function (timedOut, ack) {
      if (timedOut || !ack) {
        window.setTimeout(join, 2000);
        return;
      }
      if (!ack.ok) {
        handleJoinError(ack.error || {});
        return;
      }
      ack.messages.forEach(function (message) { addMessage(message, false); });
      (ack.changes || []).forEach(applyChange);
      lastChange = Math.max(lastChange, ack.last_change || 0);
      renderOnline(ack.online, ack.online_count);
      if (catchingUp && ack.has_more) {
        // More than one page was missed: ask for the next one.
        catchUpFrom = ack.messages.length ? ack.messages[ack.messages.length - 1].id : from;
        join();
        return;
      }
      catchUpFrom = null;
      if (!catchingUp && ack.has_more && earlierButton) {
        earlierButton.hidden = false;
      }
      joined = true;
      setStatus("connected");
      pump();
    });
  }

  function handleJoinError(error) {
    if (error.code === "unauthenticated") {
      endSession();
    } else if (RETRYABLE[error.code]) {
      window.setTimeout(join, retryDelay(error));
    } else {
      setStatus("reconnecting", error.message);
    }
  }

  function endSession() {
    sessionEnded = true;
    joined = false;
    socket.disconnect();
    statusLine.dataset.state = "signed-out";
    statusText.textContent = strings.signedOut + " ";
    var link = document.createElement("a");
    link.href = LOGIN_URL;
    link.textContent = strings.signIn;
    statusText.appendChild(link);
  }

  // --- messages ------------------------------------------------------------

  function noteId(id) {
    seen[id] = true;
    lastId = Math.max(lastId, id);
    firstId = firstId === null ? id : Math.min(firstId, id);
  }

  function addMessage(message, live) {
    if (seen[message.id]) {
      return;
    }
    if (String(message.author.id) === USER_ID) {
      removeFromOutbox(message.client_id);
    }
    var nearBottom = isNearBottom();
    var item = renderMessage(message);
    var next = null;
    for (var node = list.lastElementChild; node; node = node.previousElementSibling) {
      if (parseInt(node.dataset.id, 10) < message.id) {
        break;
      }
      next = node;
    }
    list.insertBefore(item, next);
    noteId(message.id);
    emptyNote.hidden = true;
    if (live && document.hidden && String(message.author.id) !== USER_ID) {
      unread += 1;
      document.title = "(" + unread + ") " + baseTitle;
    }
    if (nearBottom || String(message.author.id) === USER_ID) {
      scrollToBottom();
    }
  }

  function renderMessage(message) {
    var item = document.createElement("li");
    item.className = "message";
    item.id = "message-" + message.id;
    item.dataset.id = message.id;
    item.dataset.clientId = message.client_id;
    item.dataset.authorId = message.author.id;

    var meta = document.createElement("p");
    meta.className = "message-meta";
    meta.appendChild(span("message-author", message.author.name));
    var administration = message.author.administration;
    if (administration) {
      meta.appendChild(span("message-admin", administration.name + " (" + administration.country + ")"));
    } else if (message.author.role !== "delegate") {
      meta.appendChild(span("message-admin", strings["role." + message.author.role] || message.author.role));
    }
    var time = document.createElement("time");
    time.setAttribute("datetime", message.created_at);
    meta.appendChild(time);
    item.appendChild(meta);

    var body = document.createElement("div");
    body.className = "message-body";
    body.innerHTML = message.body_html;  // sanitized by the server when stored
    if (message.language) {
      body.lang = message.language;  // screen readers read it in its own language
    }
    item.appendChild(body);
    item.dataset.authorRole = message.author.role;
    markHidden(item, message.hidden);
    if (message.practice && message.practice.url.charAt(0) === "/") {
      var practice = document.createElement("p");
      practice.className = "message-practice";
      practice.appendChild(span("message-practice-label", strings.practice));
      practice.appendChild(document.createTextNode(" "));
      var link = document.createElement("a");
      link.href = message.practice.url;
      link.textContent = message.practice.title;
      practice.appendChild(link);
      item.appendChild(practice);
    }
    if (CAN_DEVELOP && csrfMeta && String(message.author.id) === USER_ID && !message.hidden) {
      item.appendChild(developForm(message.id));
    }
    localizeTimes(item);
    addActions(item);
    return item;
  }

  // --- moderation: hidden and restored messages, reports --------------------

  /* A message was hidden or restored (live, or while we were away). */
  function applyChange(change) {
    lastChange = Math.max(lastChange, change.change || 0);
    var item = document.getElementById("message-" + change.id);
    if (change.hidden && !STAFF) {
      if (item) {
        item.remove();
        announce(strings.messageRemoved);
      }
      delete seen[change.id];
      return;
    }
    if (!change.message) {
      return;
    }
    if (item) {
      var replacement = renderMessage(change.message);
      item.replaceWith(replacement);
    } else {
      delete seen[change.message.id];
      addMessage(change.message, false);
    }
  }

  function markHidden(item, hidden) {
    item.classList.toggle("is-hidden", Boolean(hidden));
    var old = item.querySelector(".hidden-note");
    if (old) {
      old.remove();
    }
    if (!hidden) {
      delete item.dataset.hidden;
      return;
    }
    item.dataset.hidden = "true";
    item.dataset.hiddenByAuthor = hidden.by_author ? "true" : "false";
    var note = document.createElement("p");
    note.className = "hidden-note";
    note.textContent = hidden.by_author ? strings.withdrawn :
      strings.hiddenBy.replace("{name}", hidden.by ? hidden.by.name : "?").replace("{reason}", hidden.reason);
    item.appendChild(note);
  }

  /* The small row of things one can do with a message. */
  function addActions(item) {
    if (item.querySelector(".message-actions")) {
      return;
    }
    var row = document.createElement("div");
    row.className = "message-actions";
    var mine = item.dataset.authorId === USER_ID;
    var id = parseInt(item.dataset.id, 10);
    if (item.dataset.hidden === "true") {
      if (STAFF && item.dataset.hiddenByAuthor !== "true") {
        row.appendChild(linkButton(strings.restore, function () {
          act("restore", { message_id: id });
        }));
      }
    } else if (mine) {
      row.appendChild(linkButton(strings.delete, function () {
        askInline(item, strings.deleteConfirm, null, strings.delete, function () {
          act("hide", { message_id: id });
        });
      }));
    } else if (STAFF) {
      row.appendChild(linkButton(strings.hide, function () {
        askInline(item, strings.hideReason, "reason", strings.hideConfirm, function (reason) {
          act("hide", { message_id: id, reason: reason });
        });
      }));
    } else {
      row.appendChild(linkButton(strings.report, function () {
        askInline(item, strings.reportReason, "reason", strings.reportConfirm, function (reason) {
          act("report", { message_id: id, reason: reason }, strings.reportSent);
        });
      }));
    }
    if (row.children.length) {
      item.appendChild(row);
    }
  }

  /* A small form under a message: a question, maybe a reason, and two buttons. */
  function askInline(item, question, field, confirmLabel, onConfirm) {
    var existing = item.querySelector(".inline-ask");
    if (existing) {
      existing.remove();
    }
    var form = document.createElement("form");
    form.className = "inline-ask stack-inline";
    var input = null;
    if (field) {
      var inputId = "ask-" + item.dataset.id;
      var label = document.createElement("label");
      label.setAttribute("for", inputId);
      label.textContent = question;
      input = document.createElement("input");
      input.type = "text";
      input.id = inputId;
      input.required = true;
      input.maxLength = 500;
      form.appendChild(label);
      form.appendChild(input);
    } else {
      form.appendChild(span("ask-question", question));
    }
    var ok = document.createElement("button");
    ok.type = "submit";
    ok.className = "button small";
    ok.textContent = confirmLabel;
    form.appendChild(ok);
    form.appendChild(button(strings.cancel, function () { form.remove(); }));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (input && !input.value.trim()) {
        input.focus();
        return;
      }
      form.remove();
      onConfirm(input ? input.value.trim() : undefined);
    });
    item.appendChild(form);
    (input || ok).focus();
  }

  function act(event, payload, doneMessage) {
    socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, function (timedOut, ack) {
      if (timedOut || !ack || !ack.ok) {
        var error = ack && ack.error ? ack.error.message : "";
        announce(strings.actionFailed + " " + error);
        return;
      }
      if (doneMessage) {
        announce(doneMessage);
      }
      if (ack.message) {
        applyChange({ id: ack.message.id, hidden: Boolean(ack.message.hidden) || event === "hide",
                      message: ack.message });
      }
    });
  }

  function showSlowMode(seconds) {
    var note = document.getElementById("slow-mode");
    if (!note) {
      return;
    }
    note.hidden = !seconds;
    note.textContent = strings.slowMode.replace("{n}", String(seconds));
  }

  function showNotice(notice) {
    var data = notice.data || {};
    var template = strings["notice." + notice.kind] ||
      (typeof data.count === "number" ? counted("notice." + notice.kind, data.count) : null);
    if (!template) {
      return;
    }
    var text = template.replace(/\{(\w+)\}/g, function (whole, key) {
      if (key === "until" && data.until) {
        return new Intl.DateTimeFormat(document.documentElement.dataset.locale || undefined,
          { dateStyle: "medium", timeStyle: "short" }).format(new Date(data.until));
      }
      return data[key] === undefined ? whole : String(data[key]);
    });
    var box = document.createElement("p");
    box.className = "notice";
    box.setAttribute("role", "alert");
    box.textContent = text;
    document.getElementById("live-notices").appendChild(box);
  }

  function linkButton(label, onClick) {
    var node = button(label, onClick);
    node.className = "link-button";
    return node;
  }

  // The same form as templates/rooms/_message.html renders for the author's messages.
  function developForm(id) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = DEVELOP_URL.replace(/\/0\/develop$/, "/" + id + "/develop");
    form.className = "message-develop";
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = csrfMeta.content;
    form.appendChild(token);
    var submit = document.createElement("button");
    submit.type = "submit";
    submit.className = "link-button";
    submit.textContent = strings.develop;
    form.appendChild(submit);
    return form;
  }

  function loadEarlier() {
    if (firstId === null) {
      return;
    }
    earlierButton.disabled = true;
    var url = MESSAGES_URL + "?before=" + encodeURIComponent(firstId);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        var anchor = list.firstElementChild;
        var offset = anchor ? anchor.getBoundingClientRect().top : 0;
        data.messages.forEach(function (message) { addMessage(message, false); });
        if (anchor) {
          window.scrollBy(0, anchor.getBoundingClientRect().top - offset);
          list.scrollTop += anchor.getBoundingClientRect().top - offset;
        }
        earlierButton.disabled = false;
        if (!data.has_more) {
          earlierButton.hidden = true;
          announce(strings.noMore);
        }
      })
      .catch(function () {
        earlierButton.disabled = false;
        announce(strings.loadFailed);
      });
  }

  // --- presence --------------------------------------------------------------

  function renderOnline(people, count) {
    onlineList.textContent = "";
    people.forEach(function (person) {
      var item = document.createElement("li");
      item.dataset.userId = person.id;
      item.appendChild(span("person-name", person.name));
      var detail = person.administration
        ? person.administration.name + " (" + person.administration.country + ")"
        : strings["role." + person.role] || person.role;
      item.appendChild(span("person-admin", detail));
      onlineList.appendChild(item);
    });
    onlineCount.textContent = String(count);
    onlineMore.hidden = count <= people.length;
  }

  // --- the outbox: what the author wrote, kept until the server has it ------

  function setUpComposer() {
    textarea.value = storage.get(DRAFT_KEY) || "";
    updateCounter();
    textarea.addEventListener("input", function () {
      storage.set(DRAFT_KEY, textarea.value);
      updateCounter();
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey &&
          !event.metaKey && !event.isComposing) {
        event.preventDefault();
        submit();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit();
    });
  }

  function submit() {
    var body = textarea.value;
    if (!body.trim()) {
      textarea.focus();
      return;
    }
    if (body.length > MAX_LENGTH) {
      composerStatus.textContent = counted("tooLong", body.length - MAX_LENGTH);
      return;
    }
    var item = { client_id: newClientId(), body: body, state: "queued", created: Date.now(),
                 language: languageSelect ? languageSelect.value || null : null };
    outbox.push(item);
    saveOutbox();
    renderOutboxItem(item);
    textarea.value = "";
    storage.set(DRAFT_KEY, "");
    updateCounter();
    composerStatus.textContent = joined ? "" : strings.messageQueued;
    scrollToBottom();
    pump();
  }

  /* Send the oldest waiting message, one at a time, so they arrive in order. */
  function pump() {
    if (!joined || sending || !socket.connected || sessionEnded) {
      return;
    }
    var item = null;
    for (var i = 0; i < outbox.length; i++) {
      if (outbox[i].state === "queued") {
        item = outbox[i];
        break;
      }
    }
    if (!item) {
      return;
    }
    sending = true;
    item.state = "sending";
    renderOutboxItem(item);
    var payload = { room: ROOM, body: item.body, client_id: item.client_id };
    if (item.language) {
      payload.language = item.language;
    }
    socket.timeout(ACK_TIMEOUT_MS).emit("send", payload, function (timedOut, ack) {
      sending = false;
      if (timedOut || !ack) {
        // No answer: it may or may not be stored. Resending the same
        // client_id is safe, the server stores it once.
        retryLater(item, 2000);
        return;
      }
      if (ack.ok) {
        composerStatus.textContent = strings.messageSent;
        addMessage(ack.message, false);
        removeFromOutbox(item.client_id);
        pump();
        return;
      }
      var error = ack.error || {};
      if (error.code === "unauthenticated") {
        item.state = "queued";
        renderOutboxItem(item);
        endSession();
      } else if (RETRYABLE[error.code]) {
        retryLater(item, retryDelay(error));
      } else {
        item.state = "failed";
        item.error = error.message || error.code;
        saveOutbox();
        renderOutboxItem(item);
        composerStatus.textContent = strings.failed + " " + item.error;
        pump();
      }
    });
  }

  function retryLater(item, delay) {
    item.state = "queued";
    renderOutboxItem(item);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(pump, delay);
  }

  function requeueInFlight() {
    outbox.forEach(function (item) {
      if (item.state === "sending") {
        item.state = "queued";
        renderOutboxItem(item);
      }
    });
  }

  function removeFromOutbox(clientId) {
    acknowledged[clientId] = true;
    var before = outbox.length;
    outbox = outbox.filter(function (item) { return item.client_id !== clientId; });
    var node = document.getElementById("outbox-" + clientId);
    if (node) {
      node.remove();
    }
    if (outbox.length !== before) {
      saveOutbox();
    }
  }

  function renderOutboxItem(item) {
    var node = document.getElementById("outbox-" + item.client_id);
    if (!node) {
      node = document.createElement("li");
      node.id = "outbox-" + item.client_id;
      node.className = "message pending";
      var body = document.createElement("div");
      body.className = "message-body pending-body";
      body.textContent = item.body;
      node.appendChild(body);
      var state = document.createElement("p");
      state.className = "pending-state";
      node.appendChild(state);
      outboxList.appendChild(node);
    }
    node.dataset.state = item.state;
    var stateLine = node.querySelector(".pending-state");
    stateLine.textContent = "";
    if (item.state === "failed") {
      stateLine.appendChild(span("pending-error", strings.failed + " " + item.error + " "));
      stateLine.appendChild(button(strings.retry, function () {
        item.state = "queued";
        item.error = null;
        saveOutbox();
        renderOutboxItem(item);
        pump();
      }));
      stateLine.appendChild(button(strings.edit, function () {
        textarea.value = textarea.value ? textarea.value + "\n" + item.body : item.body;
        storage.set(DRAFT_KEY, textarea.value);
        updateCounter();
        removeFromOutbox(item.client_id);
        textarea.focus();
      }));
      stateLine.appendChild(button(strings.discard, function () {
        removeFromOutbox(item.client_id);
        textarea.focus();
      }));
    } else {
      stateLine.textContent = item.state === "sending" ? strings.sending :
        (joined ? strings.sending : strings.waiting);
    }
  }

  function loadOutbox() {
    try {
      var items = JSON.parse(storage.get(OUTBOX_KEY) || "[]");
      return Array.isArray(items) ? items.filter(function (item) {
        return item && typeof item.client_id === "string" && typeof item.body === "string";
      }) : [];
    } catch (error) {
      return [];
    }
  }

  /* Save, merging what another tab of the same room may have added meanwhile. */
  function saveOutbox() {
    var mine = {};
    outbox.forEach(function (item) { mine[item.client_id] = true; });
    loadOutbox().forEach(function (item) {
      if (!mine[item.client_id] && !acknowledged[item.client_id]) {
        outbox.push(item);
        renderOutboxItem(item);
      }
    });
    var stored = outbox.map(function (item) {
      return { client_id: item.client_id, body: item.body, state: item.state === "failed" ? "failed" : "queued",
               error: item.error || null, created: item.created, language: item.language || null };
    });
    storage.set(OUTBOX_KEY, JSON.stringify(stored));
  }

  function updateCounter() {
    var left = MAX_LENGTH - textarea.value.length;
    if (left < 0) {
      counter.textContent = counted("tooLong", -left);
    } else if (left <= 500) {
      counter.textContent = counted("remaining", left);
    } else {
      counter.textContent = "";
    }
  }

  // --- small helpers ---------------------------------------------------------

  // The wording of a counted message for n, in the page's language ("2 znaki", "5 znaków").
  function counted(key, n) {
    var category = pluralRules ? pluralRules.select(n) : (n === 1 ? "one" : "other");
    var text = strings[key + "." + category] || strings[key + ".other"] || "";
    return text.replace("{n}", String(n));
  }

  function setStatus(state, detail) {
    if (sessionEnded) {
      return;
    }
    statusLine.dataset.state = state;
    statusText.textContent = detail || strings[state] || state;
    outbox.forEach(function (item) {
      if (item.state === "queued") {
        renderOutboxItem(item);
      }
    });
  }

  function retryDelay(error) {
    var seconds = Number(error.retry_after);
    return seconds > 0 ? Math.min(seconds * 1000, 60000) : 2000;
  }

  function announce(text) {
    (composerStatus || statusText).textContent = text;
  }

  function span(className, text) {
    var node = document.createElement("span");
    node.className = className;
    node.textContent = text;
    return node;
  }

  function button(label, onClick) {
    var node = document.createElement("button");
    node.type = "button";
    node.className = "button small";
    node.textContent = label;
    node.addEventListener("click", onClick);
    return node;
  }

  function isNearBottom() {
    var scroller = list.scrollHeight > list.clientHeight ? list : document.scrollingElement;
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  }

  function scrollToBottom() {
    list.scrollTop = list.scrollHeight;
  }

  function localizeTimes(container) {
    // The reader's language, and the time zone they chose (else their device's).
    var language = document.documentElement.dataset.locale || document.documentElement.lang || undefined;
    var zone = document.documentElement.dataset.timezone || undefined;
    var today = new Date().toDateString();
    var timeOnly = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit", timeZone: zone });
    var dateAndTime = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short", timeZone: zone });
    container.querySelectorAll("time[datetime]").forEach(function (node) {
      var moment = new Date(node.getAttribute("datetime"));
      if (isNaN(moment.getTime())) {
        return;
      }
      node.textContent = (moment.toDateString() === today ? timeOnly : dateAndTime).format(moment);
      node.title = dateAndTime.format(moment);
    });
  }

  function readStrings() {
    var result = {};
    var template = document.getElementById("i18n-strings");
    if (template) {
      template.content.querySelectorAll("[data-key]").forEach(function (node) {
        result[node.dataset.key] = node.textContent;
      });
    }
    return result;
  }

  function newClientId() {
    // crypto.randomUUID needs a secure context; getRandomValues works everywhere.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function safeStorage() {
    var memory = {};
    return {
      get: function (key) {
        try {
          return window.localStorage.getItem(key);
        } catch (error) {
          return memory[key] || null;
        }
      },
      set: function (key, value) {
        try {
          window.localStorage.setItem(key, value);
        } catch (error) {
          memory[key] = value;
        }
      }
    };
  }

  if (!CAN_SEND) {
    outboxList.hidden = true;
  }
})();
