/* The page's words, rendered by the server in <template id="i18n-strings">. */
export function readStrings(document) {
  const result = {};
  const template = document.getElementById("i18n-strings");
  if (template) {
    template.content.querySelectorAll("[data-key]").forEach((node) => {
      result[node.dataset.key] = node.textContent;
    });
  }
  const rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "en") : null;
  /* The wording of a counted message for n, in the page's language ("2 znaki", "5 znaków"). */
  result.counted = (key, n) => {
    const category = rules ? rules.select(n) : (n === 1 ? "one" : "other");
    const text = result[`${key}.${category}`] || result[`${key}.other`] || "";
    return text.replace("{n}", String(n));
  };
  /* Fill {name} placeholders with values, as text. */
  result.fill = (text, values) => text.replace(/\{(\w+)\}/g, (whole, key) =>
    (values[key] === undefined || values[key] === null ? whole : String(values[key])));
  return result;
}
