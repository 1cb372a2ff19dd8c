/*
 * The words of the practice form's scripts, rendered by the server in the reader's
 * language into <template id="practice-form-words"> (one <span data-key> each).
 */
export function formWords() {
  const holder = document.getElementById("practice-form-words");
  const words = {};
  if (holder) {
    holder.content.querySelectorAll("[data-key]").forEach((element) => {
      words[element.dataset.key] = element.textContent;
    });
  }
  return words;
}

/* Put values into a wording: fill("Saved {time}", {time: "10:42"}). */
export function fill(text, values) {
  return String(text || "").replace(/\{(\w+)\}/g, (whole, key) =>
    values[key] === undefined ? whole : String(values[key]));
}

/* The refusal's words from a JSON error answer, or "" when it has none. */
export async function reasonOf(response) {
  try {
    const answer = await response.json();
    return (answer.error && answer.error.message) || "";
  } catch (error) {
    return "";
  }
}
