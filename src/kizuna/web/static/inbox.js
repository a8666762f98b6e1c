/* kizuna in-app inbox snippet: a bell with the unread count and a panel of messages.
 *
 *   <script src="https://YOUR-KIZUNA-HOST/p/static/inbox.js" async
 *     data-write-key="wk_..." data-user-id="user-123" data-user-hash="(HMAC from your server)"
 *     data-lang="ja" data-target="#inbox-bell"></script>
 *
 * Optional: data-api (default: the script's origin), data-target (a CSS selector to mount
 * the bell into; default: fixed at the bottom right), data-poll (seconds, default 60, 0 off).
 * No dependencies; message content is always inserted as text (textContent), never as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-user-hash]");
  if (!script) return;
  var d = script.dataset;
  var api = (d.api || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var lang = (d.lang || document.documentElement.lang || "ja").slice(0, 2) === "en" ? "en" : "ja";
  var L = {
    ja: { title: "お知らせ", empty: "お知らせはありません", dismiss: "削除", close: "閉じる",
          open: "詳しく見る", error: "お知らせを読み込めませんでした", unread: "未読" },
    en: { title: "Notifications", empty: "No notifications", dismiss: "Dismiss", close: "Close",
          open: "Open", error: "Could not load notifications", unread: "unread" }
  }[lang];
  var headers = {
    "Authorization": "Basic " + btoa((d.writeKey || "") + ":"),
    "X-Kizuna-User-Id": d.userId || "",
    "X-Kizuna-User-Hash": d.userHash || ""
  };

  function call(method, path) {
    return fetch(api + path, { method: method, headers: headers, mode: "cors",
                               credentials: "omit" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = "kz-inbox-" + cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var css = ".kz-inbox-root{position:relative;display:inline-block;font:14px/1.5 system-ui,sans-serif}" +
    ".kz-inbox-fixed{position:fixed;right:16px;bottom:16px;z-index:2147483000}" +
    ".kz-inbox-bell{position:relative;border:1px solid #ccc;border-radius:50%;width:44px;height:44px;" +
    "background:#fff;cursor:pointer;font-size:20px}" +
    ".kz-inbox-badge{position:absolute;top:-4px;right:-4px;min-width:18px;padding:0 4px;border-radius:9px;" +
    "background:#c62828;color:#fff;font-size:12px;line-height:18px}" +
    ".kz-inbox-badge[hidden],.kz-inbox-panel[hidden]{display:none}" +
    ".kz-inbox-panel{position:absolute;right:0;top:52px;width:300px;max-height:60vh;overflow:auto;" +
    "background:#fff;color:#222;border:1px solid #ccc;border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.15)}" +
    ".kz-inbox-fixed .kz-inbox-panel{top:auto;bottom:52px}" +
    ".kz-inbox-panel h2{font-size:15px;margin:0;padding:8px 12px;border-bottom:1px solid #eee}" +
    ".kz-inbox-item{padding:8px 12px;border-bottom:1px solid #eee}" +
    ".kz-inbox-item p{margin:4px 0;white-space:pre-line}" +
    ".kz-inbox-new{border-left:3px solid #1565c0}" +
    ".kz-inbox-x{float:right;border:0;background:none;cursor:pointer;color:#666}" +
    ".kz-inbox-note{padding:12px;color:#666}";
  var style = el("style");
  style.textContent = css;
  document.head.appendChild(style);

  var root = el("div", "root");
  var bell = el("button", "bell", "\uD83D\uDD14");
  bell.type = "button";
  bell.setAttribute("aria-label", L.title);
  bell.setAttribute("aria-expanded", "false");
  var badge = el("span", "badge");
  badge.hidden = true;
  bell.appendChild(badge);
  var panel = el("div", "panel");
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", L.title);
  root.appendChild(bell);
  root.appendChild(panel);

  function setCount(n) {
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = !n;
    bell.setAttribute("aria-label", n ? L.title + " (" + n + " " + L.unread + ")" : L.title);
  }

  function refreshCount() {
    return call("GET", "/v1/inbox/unread-count").then(function (b) { setCount(b.unread); },
                                                      function () {});
  }

  function item(m) {
    var li = el("li", m.read ? "item" : "item kz-inbox-new");
    li.setAttribute("data-id", String(m.id));
    var x = el("button", "x", "\u00D7");
    x.type = "button";
    x.title = L.dismiss;
    x.setAttribute("aria-label", L.dismiss);
    x.addEventListener("click", function () {
      call("POST", "/v1/inbox/" + m.id + "/dismiss").then(function () {
        li.parentNode && li.parentNode.removeChild(li);
        if (!panel.querySelector(".kz-inbox-item")) panel.lastChild.appendChild(el("li", "note", L.empty));
        refreshCount();
      }, function () {});
    });
    li.appendChild(x);
    li.appendChild(el("strong", "title", m.title));
    if (m.text) li.appendChild(el("p", "text", m.text));
    if (String(m.link_url || "").toLowerCase().indexOf("https://") === 0) {
      var a = el("a", "link", L.open);
      a.href = m.link_url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      li.appendChild(a);
    }
    return li;
  }

  function render(body) {
    panel.textContent = "";
    panel.appendChild(el("h2", "", L.title));
    var list = el("ul", "list");
    list.style.cssText = "list-style:none;margin:0;padding:0";
    panel.appendChild(list);
    if (!body.items.length) list.appendChild(el("li", "note", L.empty));
    body.items.forEach(function (m) { list.appendChild(item(m)); });
    var unread = body.items.filter(function (m) { return !m.read; });
    return Promise.all(unread.map(function (m) {
      return call("POST", "/v1/inbox/" + m.id + "/read").catch(function () {});
    })).then(refreshCount);
  }

  function open() {
    panel.hidden = false;
    bell.setAttribute("aria-expanded", "true");
    if (panel.getBoundingClientRect().left < 0) { panel.style.left = "0"; panel.style.right = "auto"; }
    return call("GET", "/v1/inbox?limit=50").then(render, function () {
      panel.textContent = "";
      panel.appendChild(el("p", "note", L.error));
    });
  }

  function close() {
    panel.hidden = true;
    bell.setAttribute("aria-expanded", "false");
  }

  bell.addEventListener("click", function () { panel.hidden ? open() : close(); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });

  function mount() {
    var target = d.target && document.querySelector(d.target);
    if (target) target.appendChild(root);
    else { root.className += " kz-inbox-fixed"; document.body.appendChild(root); }
    refreshCount();
    var poll = d.poll === undefined ? 60 : Number(d.poll);
    if (poll > 0) setInterval(refreshCount, Math.max(10, poll) * 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
  window.KizunaInbox = { open: open, close: close, refresh: refreshCount };
})();
