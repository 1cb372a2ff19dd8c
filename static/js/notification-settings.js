/*
 * The notifications page: says whether this browser shows the exchange's notifications,
 * and asks for consent only when the person presses the button (never on its own).
 */
const box = document.getElementById("browser-notifications");
const template = document.getElementById("browser-notifications-strings");
if (box && template) {
  const strings = {};
  template.content.querySelectorAll("[data-key]").forEach((node) => {
    strings[node.dataset.key] = node.textContent;
  });
  const state = document.getElementById("browser-notifications-state");
  const button = document.getElementById("browser-notifications-ask");

  const show = () => {
    const supported = "Notification" in window;
    const permission = supported ? Notification.permission : "unsupported";
    state.textContent = strings[permission] || strings.unsupported;
    button.hidden = permission !== "default";
  };

  button.addEventListener("click", () => {
    Notification.requestPermission().then(show, show);
  });
  box.hidden = false;
  show();
}
