/*
 * The questions of a room, live: asks, votes and moderators' acts go over Socket.IO
 * (question_ask, question_vote, question_moderate; docs/protocol.md), and every page
 * showing the room's questions hears "question" and "question_updated". The server
 * renders the list and plain forms first; this module only enhances them.
 */
import { newClientId } from "./client-id.js";
import { formatTimes } from "./time.js";

const ACK_TIMEOUT_MS = 10000;
const root = document.getElementById("questions");

function readStrings() {
  const strings = {};
  const template = document.getElementById("question-strings");
  template.content.querySelectorAll("[data-key]").forEach((node) => {
    strings[node.dataset.key] = node.textContent.trim();
  });
  return strings;
}

/* The panel's order, as the server sorts (questions/services.py, sort_key). */
function compare(order) {
  const rank = (item) => (item.dataset.pinned === "true" ? 0 : item.dataset.answered === "true" ? 2 : 1);
  return (a, b) => {
    const byRank = rank(a) - rank(b);
    if (byRank) {
      return byRank;
    }
    if (order === "votes") {
      const byVotes = Number(b.dataset.votes) - Number(a.dataset.votes);
      if (byVotes) {
        return byVotes;
      }
    }
    return Number(b.dataset.id) - Number(a.dataset.id);
  };
}

function setUp() {
  const slug = root.dataset.room;
  const order = root.dataset.order;
  const list = document.getElementById("question-list");
  const empty = document.getElementById("questions-empty");
  const template = document.getElementById("question-template");
  const liveLine = document.getElementById("questions-live");
  const form = document.getElementById("question-form");
  const status = document.getElementById("question-status");
  const strings = readStrings();
  const voted = new Set((root.dataset.voted || "").split(",").filter(Boolean));
  const socket = window.io({ reconnectionDelay: 1000, reconnectionDelayMax: 10000 });

  function setLive(state) {
    liveLine.dataset.state = state === "live" ? "connected" : "offline";
    liveLine.querySelector(".status-text").textContent = strings[state];
  }

  /* Turn one rendered item (server's or template's) into the question's present state. */
  function fill(item, question) {
    item.id = `question-${question.id}`;
    item.dataset.id = String(question.id);
    item.dataset.votes = String(question.votes);
    item.dataset.pinned = String(question.pinned);
    item.dataset.answered = String(question.answered);
    item.dataset.clientId = question.client_id;
    item.classList.toggle("is-pinned", question.pinned);
    item.classList.toggle("is-answered", question.answered);
    item.classList.toggle("is-waiting", !question.approved);
    item.querySelector(".question-author").textContent = question.author.name;
    const admin = question.author.administration;
    item.querySelector(".question-admin").textContent = admin ? `${admin.name} (${admin.country})` : "";
    const time = item.querySelector("time");
    time.setAttribute("datetime", question.created_at);
    item.querySelector(".question-body").innerHTML = question.body_html;
    fillAnswer(item, question);
    item.querySelector(".state-pinned").hidden = !question.pinned;
    item.querySelector(".state-answered").hidden = !question.answered;
    item.querySelector(".state-waiting").hidden = question.approved;
    item.querySelectorAll("form").forEach((each) => {
      // Not each.action: the moderators' forms have a field named "action", which shadows it.
      const url = each.getAttribute("action");
      each.setAttribute("action", url.replace(/\/questions\/\d+\//, `/questions/${question.id}/`));
    });
    const open = question.approved;
    const shown = {
      vote: open,
      approve: !question.approved,
      answer: open && !question.answered,
      unanswer: question.answered,
      pin: open && !question.pinned && !question.answered,
      unpin: question.pinned,
      hide: true,
    };
    item.querySelectorAll("form[data-action]").forEach((each) => {
      const apart = each.closest(".question-hide, .question-answer-write");
      if (each.dataset.action in shown && apart === null) {
        each.hidden = !shown[each.dataset.action];
      }
    });
    const develop = item.querySelector(".question-develop");
    if (develop) {
      develop.hidden = !open;
    }
    const reason = item.querySelector(".question-hide input[name=reason]");
    if (reason) {
      const label = item.querySelector(".question-hide label");
      reason.id = `hide-reason-${question.id}`;
      label.htmlFor = reason.id;
    }
    setVote(item, voted.has(String(question.id)), question.votes);
    formatTimes(item);
  }

  /* The written answer, and the form that writes it (left alone while someone types in it). */
  function fillAnswer(item, question) {
    const shown = item.querySelector(".question-answer");
    const answer = question.answer;
    shown.hidden = !answer;
    item.querySelector(".answer-author").textContent = answer ? answer.author.name : "";
    item.querySelector(".question-answer time").setAttribute("datetime", answer ? answer.answered_at : "");
    item.querySelector(".answer-body").innerHTML = answer ? answer.body_html : "";
    const write = item.querySelector(".question-answer-write");
    if (!write) {
      return;
    }
    write.hidden = !question.approved;
    const text = write.querySelector("textarea");
    text.id = `answer-${question.id}`;
    write.querySelector("label").htmlFor = text.id;
    if (text !== document.activeElement) {
      text.value = question.answer_body || "";
    }
  }

  function setVote(item, pressed, votes) {
    const button = item.querySelector(".vote-button");
    if (button) {
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.querySelector(".vote-count").textContent = String(votes);
    }
    item.dataset.votes = String(votes);
  }

  function sortList() {
    const items = Array.from(list.children);
    const sorted = items.slice().sort(compare(order));
    if (sorted.some((item, index) => item !== items[index])) {
      sorted.forEach((item) => list.appendChild(item));
    }
    empty.hidden = items.length > 0;
  }

  function upsert(question) {
    if (question.room !== slug) {
      return; // moderators hear of waiting questions in every room
    }
    let item = document.getElementById(`question-${question.id}`);
    if (question.hidden) {
      if (item) {
        item.remove();
      }
      sortList();
      return;
    }
    if (!item) {
      item = template.content.firstElementChild.cloneNode(true);
      list.appendChild(item);
    }
    fill(item, question);
    sortList();
  }

  function refresh() {
    fetch(`${root.dataset.apiUrl}?order=${encodeURIComponent(order)}`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data) {
          return;
        }
        voted.clear();
        data.voted.forEach((id) => voted.add(String(id)));
        const present = new Set(data.questions.map((question) => `question-${question.id}`));
        Array.from(list.children).forEach((item) => {
          if (!present.has(item.id)) {
            item.remove();
          }
        });
        data.questions.forEach(upsert);
        sortList();
      })
      .catch(() => {});
  }

  socket.on("connect", () => {
    socket.timeout(ACK_TIMEOUT_MS).emit("join", { room: slug }, (timedOut, ack) => {
      if (!timedOut && ack && ack.ok) {
        setLive("live");
        refresh(); // what changed while this page was away
      }
    });
  });
  socket.on("disconnect", () => setLive("offline"));
  socket.on("question", upsert);
  socket.on("question_updated", upsert);

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = form.elements.body.value;
      if (!body.trim()) {
        return;
      }
      const payload = { room: slug, body, client_id: newClientId() };
      socket.timeout(ACK_TIMEOUT_MS).emit("question_ask", payload, (timedOut, ack) => {
        if (timedOut || !ack || !ack.ok) {
          const reason = timedOut || !ack ? "" : (ack.error && ack.error.message) || "";
          status.textContent = `${strings.failed} ${reason}`.trim();
          return;
        }
        if (form.elements.body.value === body) {
          form.elements.body.value = ""; // unless the person already wrote the next one
        }
        status.textContent = ack.question.approved ? strings.asked : strings.waiting;
        upsert(ack.question);
      });
    });
  }

  list.addEventListener("submit", (event) => {
    const target = event.target;
    const item = target.closest(".question");
    const action = target.dataset.action; // the form's data-action, never target.action
    if (!item || !action) {
      return; // "develop into a practice" goes to its page
    }
    event.preventDefault();
    const questionId = Number(item.dataset.id);
    if (action === "vote") {
      socket.timeout(ACK_TIMEOUT_MS).emit("question_vote", { question_id: questionId }, (timedOut, ack) => {
        if (!timedOut && ack && ack.ok) {
          if (ack.voted) {
            voted.add(String(questionId));
          } else {
            voted.delete(String(questionId));
          }
          setVote(item, ack.voted, ack.votes);
          sortList();
        }
      });
      return;
    }
    const payload = { question_id: questionId, action };
    if (action === "hide") {
      payload.reason = target.elements.reason.value;
    }
    const writing = target.elements.answer;
    if (writing) {
      payload.answer = writing.value;
    }
    socket.timeout(ACK_TIMEOUT_MS).emit("question_moderate", payload, (timedOut, ack) => {
      if (!timedOut && ack && ack.ok) {
        if (writing) {
          writing.blur();
          target.closest("details").open = false;
        }
        upsert(ack.question);
      }
    });
  });
}

if (root && typeof window.io === "function") {
  setUp();
}
