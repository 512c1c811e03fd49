// The article change form's heartbeat: tells the server this form is open and shows who else has the
// article open ("Anna is also editing this article"). Nothing is locked. No inline script: the element
// carries its URL and interval (the site sends a Content-Security-Policy without 'unsafe-inline').
(function () {
  "use strict";

  function start() {
    var box = document.getElementById("presence");
    if (!box || !window.fetch) {
      return;
    }
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var interval = (parseInt(box.dataset.interval, 10) || 30) * 1000;

    function show(message) {
      box.textContent = message;
      box.hidden = !message;
    }

    function ping() {
      fetch(box.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "", "X-Requested-With": "XMLHttpRequest" },
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data) {
            show(data.message);
          }
        })
        .catch(function () {
          // Offline for a moment: the next beat tries again.
        });
    }

    ping();
    window.setInterval(ping, interval);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        ping();
      }
    });
  }

  // The admin puts form media in the head, before the element exists.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
