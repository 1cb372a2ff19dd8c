/* The organizers' dashboard refreshes its figures every 30 seconds while it is visible. */
(function () {
  "use strict";

  var holder = document.getElementById("figures-holder");
  if (!holder) {
    return;
  }
  var url = holder.dataset.url;

  function refresh() {
    if (document.hidden || holder.contains(document.activeElement)) {
      return;  // not while someone reads a table or has the page in the background
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var box = document.createElement("div");
        box.innerHTML = html;  // our own server-rendered fragment
        var fresh = box.querySelector("#figures");
        var current = document.getElementById("figures");
        if (fresh && current) {
          current.replaceWith(fresh);
        }
      })
      .catch(function () { /* try again at the next tick */ });
  }

  window.setInterval(refresh, 30000);
})();
