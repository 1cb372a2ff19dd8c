/*
 * On a phone the conversation fills the screen; the rooms list and the people are one
 * tap away, in panels that the header's buttons open and Escape closes.
 */
export function setUpPanels(room) {
  const toggles = room.root.querySelectorAll(".panel-toggle");

  function close(except) {
    toggles.forEach((toggle) => {
      if (toggle !== except && toggle.getAttribute("aria-expanded") === "true") {
        toggle.setAttribute("aria-expanded", "false");
        document.getElementById(toggle.dataset.panel).classList.remove("is-open");
      }
    });
  }

  toggles.forEach((toggle) => {
    toggle.hidden = false;
    const panel = document.getElementById(toggle.dataset.panel);
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      close(toggle);
      toggle.setAttribute("aria-expanded", String(open));
      panel.classList.toggle("is-open", open);
      if (open) {
        const first = panel.querySelector("a, button");
        (first || panel).focus();
      }
    });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") {
      return;
    }
    const open = Array.from(toggles).find((toggle) => toggle.getAttribute("aria-expanded") === "true");
    if (open) {
      close(null);
      open.focus();
    }
  });
}
