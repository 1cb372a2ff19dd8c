/*
 * The compact toolbar of a message: shown on hover or focus on a desktop, behind a "⋯"
 * button on a phone, and reachable by keyboard (Tab into the message, then its buttons).
 * The page renders it once, in <template id="message-toolbar-template"> (templates/rooms/
 * _message.html), and each message gets a copy; features add what each button does with
 * register(), and the toolbar shows the buttons whose action applies to the message.
 *
 *   toolbar.register({ id: "report", label: "Report", applies: (item) => ..., run: (item) => ... })
 */
export function createToolbar(room, messages) {
  const { bus } = room;
  const actions = new Map();
  const template = document.getElementById("message-toolbar-template");

  function register(action) {
    actions.set(action.id, action);
    messages.list.querySelectorAll(":scope > .message").forEach(attach);
  }

  /* Give the message its copy of the toolbar, and show the buttons that apply to it. */
  function attach(item) {
    const box = item.querySelector(".message-actions");
    if (!box || !template) {
      return;
    }
    let tools = box.querySelector(".message-toolbar");
    if (!tools) {
      tools = template.content.firstElementChild.cloneNode(true);
      box.append(tools);
    }
    // The same actions as the no-script links and forms, so those go.
    const fallback = box.querySelector(".message-fallback");
    if (fallback) {
      fallback.remove();
    }
    let shown = 0;
    tools.querySelectorAll(".message-action-list [data-action]").forEach((button) => {
      const action = actions.get(button.dataset.action);
      button.hidden = !(action && action.applies(item));
      shown += button.hidden ? 0 : 1;
    });
    tools.hidden = shown === 0;
    box.hidden = shown === 0;
  }

  messages.list.addEventListener("click", (event) => {
    const more = event.target.closest(".message-more");
    const button = more ? null : event.target.closest(".message-action-list [data-action]");
    const item = (more || button) && (more || button).closest(".message");
    if (!item) {
      return;
    }
    if (button) {
      const action = actions.get(button.dataset.action);
      if (action) {
        action.run(item);
      }
      return;
    }
    const open = more.getAttribute("aria-expanded") !== "true";
    more.setAttribute("aria-expanded", String(open));
    item.classList.toggle("actions-open", open);
    if (open) {
      const first = item.querySelector(".message-action-list [data-action]:not([hidden])");
      if (first) {
        first.focus();
      }
    }
  });

  // A long press opens the menu on touch screens, as chat apps do.
  let pressTimer = null;
  messages.list.addEventListener("touchstart", (event) => {
    const item = event.target.closest(".message");
    if (!item) {
      return;
    }
    pressTimer = window.setTimeout(() => {
      const more = item.querySelector(".message-more");
      if (more && more.getAttribute("aria-expanded") !== "true") {
        more.click();
      }
    }, 550);
  }, { passive: true });
  ["touchend", "touchmove", "touchcancel"].forEach((name) => {
    messages.list.addEventListener(name, () => window.clearTimeout(pressTimer), { passive: true });
  });

  bus.on("message", ({ item }) => attach(item));
  return { register, attach };
}
