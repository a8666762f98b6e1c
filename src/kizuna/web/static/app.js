// kizuna dashboard: progressive enhancement only — every link and form works without it.
// "Load more" on a timeline fetches the next rows and appends them in place.
(function () {
  "use strict";

  async function loadMore(link) {
    var list = link.closest("ol");
    var item = link.closest("li");
    if (!list || !item) { return false; }
    var label = link.textContent;
    link.textContent = link.getAttribute("data-loading-text") || label;
    link.setAttribute("aria-busy", "true");
    try {
      var response = await fetch(link.href, {
        headers: { "X-Kizuna-Fragment": "timeline" },
        credentials: "same-origin",
      });
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      var html = await response.text();
      var doc = new DOMParser().parseFromString("<ol>" + html + "</ol>", "text/html");
      var rows = doc.querySelectorAll("ol > li");
      item.remove();
      rows.forEach(function (row) { list.appendChild(document.importNode(row, true)); });
      return true;
    } catch (err) {
      link.textContent = label;
      link.removeAttribute("aria-busy");
      return false;
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-load-more]") : null;
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    loadMore(link).then(function (ok) { if (!ok) { window.location.href = link.href; } });
  });
})();
