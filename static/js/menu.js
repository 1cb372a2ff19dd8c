// The site's navigation on a phone: the links fold behind one "Menu" button.
// Wider screens, and browsers without JavaScript, show the whole list as it is.

const nav = document.querySelector(".site-nav");
const toggle = nav?.querySelector(".menu-toggle");
const narrow = window.matchMedia("(max-width: 40rem)");

function setOpen(open) {
  toggle.setAttribute("aria-expanded", String(open));
  nav.classList.toggle("is-open", open);
}

function fit() {
  const fold = narrow.matches;
  toggle.hidden = !fold;
  nav.classList.toggle("is-folded", fold);
  if (!fold) setOpen(false);
}

if (nav && toggle) {
  toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  nav.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("is-open")) {
      setOpen(false);
      toggle.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (nav.classList.contains("is-open") && !nav.contains(event.target)) setOpen(false);
  });
  narrow.addEventListener("change", fit);
  fit();
}
