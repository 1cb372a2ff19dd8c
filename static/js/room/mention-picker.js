/*
 * Mentions in the composer: "@" and a few letters offer people of the event by name and
 * administration in a listbox that the keyboard drives (the textarea is an ARIA 1.2
 * combobox: arrows choose, Enter or Tab picks, Escape closes). The people picked travel
 * with the message as `mentions`, as long as their "@Name" is still in it.
 */
const LOOKUP_DELAY_MS = 150;
// "@" at the start or after a space, then up to 40 characters on the same line.
const TRIGGER = /(?:^|[\s(])@([^\s@][^\n@]{0,39})?$/u;

export function createMentionPicker(room, composer) {
  const url = room.root.dataset.peopleUrl;
  const list = document.getElementById("mention-options");
  const templateNode = document.getElementById("mention-option-template");
  if (!url || !list || !templateNode) {
    return { take: () => [] };
  }
  const { strings } = room;
  const template = templateNode.content.firstElementChild;
  const textarea = composer.textarea;
  const picked = new Map(); // "@Name" -> person id
  // Moderators and organizers may tell the whole room; the server refuses it to others.
  const everyone = room.root.dataset.mentionEveryone === "true"
    ? { id: "room", name: "room", administration: null, role: "everyone" } : null;
  let people = [];
  let active = -1;
  let start = -1;
  let timer = null;
  let asked = 0;

  textarea.setAttribute("role", "combobox");
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", list.id);
  textarea.setAttribute("aria-expanded", "false");

  function isOpen() {
    return !list.hidden;
  }

  function close() {
    window.clearTimeout(timer);
    asked += 1; // an answer on its way is no longer wanted
    list.hidden = true;
    list.replaceChildren();
    people = [];
    active = -1;
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    Array.from(list.children).forEach((option, position) => {
      option.setAttribute("aria-selected", String(position === index));
    });
    if (index >= 0) {
      const option = list.children[index];
      textarea.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      textarea.removeAttribute("aria-activedescendant");
    }
  }

  function show(found) {
    people = found;
    list.replaceChildren(...found.map((person, index) => {
      const option = template.cloneNode(true);
      option.id = `mention-option-${person.id}`;
      option.dataset.index = String(index);
      option.querySelector(".mention-option-name").textContent =
        person === everyone ? "@room" : person.name;
      const admin = person.administration;
      option.querySelector(".mention-option-admin").textContent = person === everyone
        ? strings.everyoneHere
        : admin ? `${admin.name} (${admin.country})` : strings[`role.${person.role}`] || "";
      return option;
    }));
    if (!found.length) {
      close();
      room.announce(strings.noPeople);
      return;
    }
    list.hidden = false;
    textarea.setAttribute("aria-expanded", "true");
    highlight(0);
    room.announce(strings.counted("peopleFound", found.length));
  }

  function lookUp(text) {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      asked += 1;
      const question = asked;
      fetch(`${url}?q=${encodeURIComponent(text)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then((response) => (response.ok ? response.json() : { people: [] }))
        .then((data) => {
          if (question === asked) {
            const offerRoom = everyone && "room".startsWith(text.toLowerCase());
            show([...(offerRoom ? [everyone] : []), ...(data.people || [])]);
          }
        })
        .catch(close);
    }, LOOKUP_DELAY_MS);
  }

  /* Offer people when the text before the caret ends in "@" and a few letters. */
  function follow() {
    const caret = textarea.selectionStart;
    if (caret !== textarea.selectionEnd) {
      close();
      return;
    }
    const match = TRIGGER.exec(textarea.value.slice(0, caret));
    if (!match) {
      close();
      return;
    }
    const typed = match[1] || "";
    start = caret - typed.length - 1;
    lookUp(typed);
  }

  function pick(index) {
    const person = people[index];
    if (!person) {
      return;
    }
    const name = `@${person.name}`;
    const caret = textarea.selectionStart;
    const value = textarea.value;
    textarea.value = `${value.slice(0, start)}${name} ${value.slice(caret)}`;
    const after = start + name.length + 1;
    textarea.setSelectionRange(after, after);
    if (person !== everyone) {
      picked.set(name, person.id);
    }
    close();
    textarea.dispatchEvent(new Event("input", { bubbles: true })); // the draft and counter follow
    textarea.focus();
  }

  // Capture on the form, so these keys reach the list before the composer sends on Enter.
  composer.form.addEventListener("keydown", (event) => {
    if (event.target !== textarea || !isOpen()) {
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + people.length) % people.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && active >= 0) {
      pick(active);
    } else if (event.key === "Escape") {
      close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }, true);
  textarea.addEventListener("input", (event) => {
    if (event.isTrusted) {
      follow();
    }
  });
  textarea.addEventListener("blur", () => window.setTimeout(close, 150));
  list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
  list.addEventListener("click", (event) => {
    const option = event.target.closest(".mention-option");
    if (option) {
      pick(parseInt(option.dataset.index, 10));
    }
  });

  return {
    /* The ids of the people picked whose "@Name" the message still holds; then forget them. */
    take(body) {
      const ids = [];
      picked.forEach((id, name) => {
        if (body.includes(name) && !ids.includes(id)) {
          ids.push(id);
        }
      });
      picked.clear();
      return ids;
    },
  };
}
