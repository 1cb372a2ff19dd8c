/*
 * "Copy" buttons next to read-only fields (a registration link): one press puts the value
 * on the clipboard and says so. Without JavaScript the field stays, to select and copy.
 */
const status = document.getElementById("copy-status");

document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  if (!field || !navigator.clipboard) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(field.value).then(() => {
      if (status) {
        status.textContent = "";
        status.textContent = status.dataset.copied;
      }
    }, () => field.select());
  });
});
