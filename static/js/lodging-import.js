// Import progress: polls the job's JSON endpoint and moves the bar; reloads the page when it is done.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var bar = box.querySelector(".progress-bar");
  var meter = box.querySelector(".progress");
  var text = box.querySelector("[data-progress-text]");

  function show(percent) {
    bar.style.width = percent + "%";
    meter.setAttribute("aria-valuenow", String(percent));
  }

  show(parseInt(bar.getAttribute("data-percent"), 10) || 0);

  function poll() {
    fetch(box.getAttribute("data-url"), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(poll, 3000); return; }
        show(job.percent);
        if (text) {
          text.textContent = job.label + " · " + job.rows_done.toLocaleString() + " / " +
            Math.max(job.rows_total, job.rows_done).toLocaleString();
        }
        if (job.finished) {
          window.location.assign(box.getAttribute("data-reload"));
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 700);
}());
