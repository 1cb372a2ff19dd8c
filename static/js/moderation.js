/*
 * The moderators' queue refreshes itself when a report arrives or is resolved
 * (events report_created and reports_resolved, docs/protocol.md).
 */
(function () {
  "use strict";

  var status = document.getElementById("queue-status");
  if (!status || typeof window.io !== "function") {
    return;
  }
  var url = status.dataset.fragmentUrl;
  var socket = window.io({ reconnectionDelayMax: 10000 });
  var refreshing = false;

  socket.on("report_created", function () { refresh(true); });
  socket.on("reports_resolved", function () { refresh(false); });
  socket.on("connect", function () { refresh(false); });
  socket.on("resync", function () { refresh(false); });

  function refresh(announceNew) {
    if (refreshing) {
      return;
    }
    refreshing = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var queue = document.getElementById("report-queue");
        var holder = document.createElement("div");
        holder.innerHTML = html;  // our own server-rendered fragment
        var fresh = holder.querySelector("#report-queue");
        if (queue && fresh && !queue.contains(document.activeElement)) {
          queue.replaceWith(fresh);
        }
        if (announceNew) {
          status.textContent = status.dataset.newReport || status.textContent;
        }
      })
      .catch(function () { /* the next event or reconnection refreshes again */ })
      .then(function () { refreshing = false; });
  }
})();
