/*
 * The polls of a room, live: opening, voting and closing go over Socket.IO (poll_open,
 * poll_vote, poll_close; docs/protocol.md), and the page hears "poll" and "poll_updated".
 * The server renders the polls and plain forms first; this module only enhances them.
 * Results are text (count and percentage); the bar is decoration. A screen reader hears
 * at most one summary every ANNOUNCE_GAP_MS, however many ballots arrive.
 */
import { newClientId } from "./client-id.js";
import { formatTimes } from "./time.js";

const ACK_TIMEOUT_MS = 10000;
const ANNOUNCE_GAP_MS = 5000;
const root = document.getElementById("polls");

function readStrings() {
  const strings = {};
  document.getElementById("poll-strings").content.querySelectorAll("[data-key]").forEach((node) => {
    strings[node.dataset.key] = node.textContent.trim();
  });
  return strings;
}

/* A polite live region that speaks at most once per gap: the latest news waits its turn. */
function makeAnnouncer(region) {
  let waiting = null;
  let resting = false;
  function speak(text) {
    region.textContent = text;
    resting = true;
    window.setTimeout(() => {
      resting = false;
      if (waiting !== null) {
        const next = waiting;
        waiting = null;
        speak(next);
      }
    }, ANNOUNCE_GAP_MS);
  }
  return (text) => {
    if (resting) {
      waiting = text;
    } else {
      speak(text);
    }
  };
}

function setUp() {
  const slug = root.dataset.room;
  const mayVote = root.dataset.mayVote === "true";
  const openList = document.getElementById("open-polls");
  const closedList = document.getElementById("closed-polls");
  const template = document.getElementById("poll-template");
  const optionTemplate = document.getElementById("poll-option-template");
  const liveLine = document.getElementById("polls-live");
  const form = document.getElementById("poll-form");
  const formStatus = document.getElementById("poll-form-status");
  const strings = readStrings();
  const announce = makeAnnouncer(document.getElementById("polls-announcer"));
  /* poll id -> the options this reader chose ([] in an anonymous poll): a ballot is final. */
  const mine = new Map();
  const socket = window.io({ reconnectionDelay: 1000, reconnectionDelayMax: 10000 });

  function say(key, values = {}) {
    return Object.entries(values).reduce((text, [name, value]) => text.replace(`{${name}}`, value), strings[key]);
  }

  function setLive(state) {
    liveLine.dataset.state = state === "live" ? "connected" : "offline";
    liveLine.querySelector(".status-text").textContent = strings[state];
  }

  function show(node, shown) {
    node.hidden = !shown;
  }

  function fillOption(node, poll, option, chosen) {
    const percent = poll.ballots ? Math.round((option.votes * 100) / poll.ballots) : 0;
    node.dataset.optionId = String(option.id);
    node.classList.toggle("is-mine", chosen.includes(option.id));
    node.querySelector(".option-label").textContent = option.label;
    node.querySelector(".option-count").textContent = say("votes", { count: option.votes });
    node.querySelector(".option-percent").textContent = `${percent}%`;
    show(node.querySelector(".option-mine"), chosen.includes(option.id));
    node.querySelector(".poll-bar-fill").setAttribute("width", String(percent));
    const voters = node.querySelector(".option-voters");
    const names = (option.voters || []).map((person) => person.name);
    voters.querySelector(".voters-names").textContent = names.join(", ");
    show(voters, names.length > 0);
  }

  function fillChoices(item, poll) {
    const choices = item.querySelector(".poll-choices");
    if (!choices || choices.children.length) {
      return; // a poll's options never change: keep what the person is choosing
    }
    poll.options.forEach((option) => {
      const label = document.createElement("label");
      label.className = "poll-choice";
      const input = document.createElement("input");
      input.type = poll.multiple ? "checkbox" : "radio";
      input.name = "option";
      input.value = String(option.id);
      input.required = !poll.multiple;
      const text = document.createElement("span");
      text.className = "choice-label";
      text.textContent = option.label;
      label.append(input, " ", text);
      choices.appendChild(label);
    });
  }

  /* Turn one rendered item (server's or template's) into the poll's present state. */
  function fill(item, poll) {
    const chosen = mine.get(poll.id) || [];
    const voted = mine.has(poll.id);
    item.id = `poll-${poll.id}`;
    item.dataset.id = String(poll.id);
    item.classList.toggle("is-closed", !poll.open);
    const heading = item.querySelector(".poll-question");
    heading.id = `poll-question-${poll.id}`;
    heading.textContent = poll.question;
    item.querySelector("article").setAttribute("aria-labelledby", heading.id);
    show(item.querySelector(".state-open"), poll.open);
    show(item.querySelector(".state-closed"), !poll.open);
    show(item.querySelector(".kind-single"), !poll.multiple);
    show(item.querySelector(".kind-multiple"), poll.multiple);
    show(item.querySelector(".privacy-anonymous"), poll.anonymous);
    show(item.querySelector(".privacy-named"), !poll.anonymous);
    show(item.querySelector(".poll-closes"), Boolean(poll.closes_at) && poll.open);
    if (poll.closes_at) {
      item.querySelector(".closes-time").setAttribute("datetime", poll.closes_at);
    }
    const results = item.querySelector(".poll-results");
    poll.options.forEach((option, index) => {
      let node = results.children[index];
      if (!node) {
        node = optionTemplate.content.firstElementChild.cloneNode(true);
        results.appendChild(node);
      }
      fillOption(node, poll, option, chosen);
    });
    item.querySelector(".ballot-count").textContent = String(poll.ballots);
    show(item.querySelector(".poll-voted"), voted);
    show(item.querySelector(".voted-anonymous"), poll.anonymous);
    item.querySelectorAll("form").forEach((each) => {
      const url = each.getAttribute("action");
      each.setAttribute("action", url.replace(/\/polls\/\d+\//, `/polls/${poll.id}/`));
    });
    const ballot = item.querySelector("form.poll-vote");
    show(ballot.querySelector(".legend-single"), !poll.multiple);
    show(ballot.querySelector(".legend-multiple"), poll.multiple);
    fillChoices(item, poll);
    show(ballot, poll.open && !voted && mayVote);
    const closer = item.querySelector("form.poll-close");
    if (closer) {
      show(closer, poll.open);
    }
    formatTimes(item);
  }

  function place(item, open) {
    const list = open ? openList : closedList;
    if (item.parentElement !== list) {
      list.appendChild(item);
    }
    const items = Array.from(list.children);
    const sorted = items.slice().sort((a, b) => Number(b.dataset.id) - Number(a.dataset.id));
    if (sorted.some((each, index) => each !== items[index])) {
      sorted.forEach((each) => list.appendChild(each));
    }
    document.getElementById("open-polls-empty").hidden = openList.children.length > 0;
    document.getElementById("closed-polls-empty").hidden = closedList.children.length > 0;
  }

  function upsert(poll, news) {
    if (poll.room !== slug) {
      return;
    }
    let item = document.getElementById(`poll-${poll.id}`);
    const wasOpen = item ? !item.classList.contains("is-closed") : null;
    if (!item) {
      item = template.content.firstElementChild.cloneNode(true);
    }
    fill(item, poll);
    place(item, poll.open);
    if (news === "poll") {
      announce(say("new_poll", { question: poll.question }));
    } else if (news === "poll_updated") {
      announce(say(wasOpen && !poll.open ? "closed_poll" : "results", { question: poll.question }));
    }
  }

  function refresh() {
    fetch(root.dataset.apiUrl, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        if (!data) {
          return;
        }
        mine.clear();
        Object.entries(data.mine).forEach(([id, chosen]) => mine.set(Number(id), chosen));
        data.polls.forEach((poll) => upsert(poll));
      })
      .catch(() => {});
  }

  function failed(status, timedOut, ack) {
    const reason = timedOut || !ack ? "" : (ack.error && ack.error.message) || "";
    status.textContent = `${strings.failed} ${reason}`.trim();
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
  socket.on("poll", (poll) => upsert(poll, "poll"));
  socket.on("poll_updated", (poll) => upsert(poll, "poll_updated"));

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const minutes = Number(form.elements.closes_in.value || 0);
      const payload = {
        room: slug,
        question: form.elements.question.value,
        options: Array.from(form.querySelectorAll("input[name=option]"))
          .map((input) => input.value)
          .filter((value) => value.trim()),
        multiple: form.elements.multiple.checked,
        anonymous: form.elements.anonymous.checked,
        closes_at: minutes ? new Date(Date.now() + minutes * 60000).toISOString() : null,
        client_id: newClientId(),
      };
      socket.timeout(ACK_TIMEOUT_MS).emit("poll_open", payload, (timedOut, ack) => {
        if (timedOut || !ack || !ack.ok) {
          failed(formStatus, timedOut, ack);
          return;
        }
        form.reset();
        formStatus.textContent = strings.opened;
        upsert(ack.poll);
      });
    });
  }

  [openList, closedList].forEach((list) => list.addEventListener("submit", (event) => {
    const target = event.target;
    const item = target.closest(".poll");
    const action = target.dataset.action;
    if (!item || !action) {
      return;
    }
    event.preventDefault();
    const pollId = Number(item.dataset.id);
    if (action === "close") {
      socket.timeout(ACK_TIMEOUT_MS).emit("poll_close", { poll_id: pollId }, (timedOut, ack) => {
        if (!timedOut && ack && ack.ok) {
          upsert(ack.poll);
        }
      });
      return;
    }
    const status = target.querySelector(".poll-status");
    const optionIds = Array.from(target.querySelectorAll("input[name=option]:checked"))
      .map((input) => Number(input.value));
    if (!optionIds.length) {
      return;
    }
    socket.timeout(ACK_TIMEOUT_MS).emit("poll_vote", { poll_id: pollId, option_ids: optionIds }, (timedOut, ack) => {
      if (timedOut || !ack || !ack.ok) {
        failed(status, timedOut, ack);
        return;
      }
      mine.set(pollId, ack.chosen); // in an anonymous poll, known to this page alone
      upsert(ack.poll);
      item.querySelector(".poll-voted").focus();
      announce(strings.counted);
    });
  }));
}

if (root && typeof window.io === "function") {
  setUp();
}
