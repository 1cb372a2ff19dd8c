/*
 * The library's pages follow what moderators do: a practice they hide leaves
 * the lists at once, and its own page says it was withdrawn. Anyone may
 * listen, signed in or not (namespace /library, docs/protocol.md).
 */
(function () {
  "use strict";

  if (typeof window.io !== "function") {
    return;
  }
  var socket = window.io("/library", { reconnectionDelayMax: 30000 });
  socket.on("connect", function () {
    document.documentElement.dataset.library = "connected";
  });
  socket.on("disconnect", function () {
    document.documentElement.dataset.library = "disconnected";
  });

  socket.on("practice_hidden", function (event) {
    var id = String(event.id);
    document.querySelectorAll(".practice-item[data-practice-id='" + id + "']").forEach(function (item) {
      item.remove();
    });
    var article = document.querySelector("article.practice[data-practice-id='" + id + "']");
    if (article && !article.classList.contains("is-hidden")) {
      article.hidden = true;
      var notice = document.getElementById("practice-withdrawn");
      if (notice) {
        notice.hidden = false;
      }
    }
  });
})();
