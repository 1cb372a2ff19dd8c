/*
 * The compact toolbar of a message: shown on hover or focus on a desktop, behind a "⋯"
 * button on a phone, and reachable by keyboard (Tab into the message, then its buttons).
 * Features add their actions with register(); the toolbar shows those that apply.
 *
 *   toolbar.register({ id: "report", label: "Report", applies: (item) => ..., run: (item) => ... })
 */
export function createToolbar(room, messages) {
  const { bus, strings } = room;
  const actions = [];

  function register(action) {
    actions.push(action);
    messages.list.querySelectorAll(":scope > .message").forEach(attach);
  }

  function attach(item) {
    const box = item.querySelector(".message-actions");
    if (!box) {
      return;
    }
    // Replace the server's no-script forms: the same actions come from the registry.
    box.textContent = "";
    const applicable = actions.filter((action) => action.applies(item));
    box.hidden = applicable.length === 0;
    if (!applicable.length) {
      return;
    }
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", strings.messageActions);
    const more = document.createElement("button");
    more.type = "button";
    more.className = "message-more";
    more.setAttribute("aria-expanded", "false");
    more.setAttribute("aria-label", strings.more);
    more.textContent = "⋯";
    const row = document.createElement("span");
    row.className = "message-action-list";
    more.addEventListener("click", () => {
      const open = more.getAttribute("aria-expanded") !== "true";
      more.setAttribute("aria-expanded", String(open));
      item.classList.toggle("actions-open", open);
      if (open) {
        const first = row.querySelector("button");
        if (first) {
          first.focus();
        }
      }
    });
    applicable.forEach((action) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.dataset.action = action.id;
      button.textContent = action.label;
      button.addEventListener("click", () => action.run(item));
      row.appendChild(button);
    });
    box.appendChild(more);
    box.appendChild(row);
  }

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
