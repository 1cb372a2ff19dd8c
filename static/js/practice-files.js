/*
 * The practice form's "pictures and documents" step: a chosen picture is previewed,
 * and its description becomes required (the server refuses a picture without one).
 */
const form = document.getElementById("practice-file-form");
if (form) {
  const input = document.getElementById("practice-file");
  const alt = document.getElementById("practice-file-alt");
  const preview = document.getElementById("practice-file-preview");

  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    const picture = Boolean(file && /^image\/(jpeg|png|gif|webp)$/.test(file.type));
    alt.required = picture;
    preview.hidden = true;
    preview.removeAttribute("src");
    if (!picture) {
      return;
    }
    // A data: address, which the Content-Security-Policy allows for pictures (blob: it does not).
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      if (input.files && input.files[0] === file) {
        preview.src = reader.result;
        preview.hidden = false;
      }
    });
    reader.readAsDataURL(file);
    alt.focus();
  });
}
