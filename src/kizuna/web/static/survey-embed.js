// kizuna survey widget. No dependencies, no cookies, nothing sent anywhere but the iframe.
//
// On your site (see docs/reference/surveys.md):
//   <script src="<kizuna>/p/static/survey-embed.js" data-kizuna-survey="<key>"
//           data-lang="ja" data-height="520" data-field-order_id="A-1001" async></script>
// inserts an iframe of <kizuna>/p/s/<key>/embed right after the script tag. Without
// data-height the iframe follows the height of its content (the embed page reports it with
// postMessage); with it, the height stays fixed.
//
// The embed page itself loads this same file with data-kizuna-frame: it then only reports
// its own height to the parent window.
(function () {
  "use strict";
  var MESSAGE = "kizuna-survey-height";
  var script = document.currentScript;
  if (!script) { return; }

  if (script.hasAttribute("data-kizuna-frame")) {
    if (window.parent === window) { return; }
    var last = 0;
    var report = function () {
      // The content's height (scrollHeight would never report less than the frame itself).
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height !== last) {
        last = height;
        window.parent.postMessage({ type: MESSAGE, height: height }, "*");
      }
    };
    window.addEventListener("load", report);
    window.addEventListener("resize", report);
    if (window.ResizeObserver) { new window.ResizeObserver(report).observe(document.body); }
    report();
    return;
  }

  var key = script.getAttribute("data-kizuna-survey");
  if (!key) { return; }
  var src = new URL(script.src, window.location.href);
  var base = src.origin + src.pathname.replace(/\/static\/survey-embed\.js$/, "");
  var params = new URLSearchParams();
  var lang = script.getAttribute("data-lang");
  if (lang) { params.set("lang", lang); }
  Array.prototype.forEach.call(script.attributes, function (attr) {
    if (attr.name.indexOf("data-field-") === 0) {
      params.set(attr.name.slice("data-field-".length), attr.value);
    }
  });
  var query = params.toString();
  var frame = document.createElement("iframe");
  frame.src = base + "/s/" + encodeURIComponent(key) + "/embed" + (query ? "?" + query : "");
  frame.title = script.getAttribute("data-title") || "Survey";
  frame.loading = "lazy";
  frame.setAttribute("width", "100%");
  frame.setAttribute("frameborder", "0");
  frame.className = "kizuna-survey-frame";
  var fixed = parseInt(script.getAttribute("data-height") || "", 10);
  frame.height = String(fixed > 0 ? fixed : 480);
  frame.style.border = "0";
  frame.style.width = "100%";
  frame.style.maxWidth = "42rem";
  script.parentNode.insertBefore(frame, script.nextSibling);

  if (!(fixed > 0)) {
    window.addEventListener("message", function (event) {
      if (event.origin !== src.origin || event.source !== frame.contentWindow) { return; }
      var data = event.data;
      if (!data || data.type !== MESSAGE || typeof data.height !== "number") { return; }
      frame.height = String(Math.max(120, Math.min(4000, Math.ceil(data.height))));
    });
  }
})();
