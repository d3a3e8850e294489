/* Closeloop console: countdowns, live at-risk board, keyboard shortcuts. No inline script
   anywhere (the Content-Security-Policy forbids it); everything is wired from data-*
   attributes. */
(function () {
  "use strict";

  function fmt(seconds) {
    var sign = seconds < 0 ? "-" : "";
    var s = Math.floor(Math.abs(seconds));
    var d = Math.floor(s / 86400); s -= d * 86400;
    var h = Math.floor(s / 3600); s -= h * 3600;
    var m = Math.floor(s / 60); s -= m * 60;
    var clock = h + ":" + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
    return sign + (d ? d + "d " + clock : clock);
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown[data-deadline]").forEach(function (el) {
      var left = (Date.parse(el.dataset.deadline) - now) / 1000;
      if (isNaN(left)) { return; }
      el.textContent = fmt(left);
      if (left <= 0) { setTone(el, "breach"); setTone(el.closest("tr"), "breach"); }
    });
  }

  function setTone(el, tone) {
    if (!el) { return; }
    ["ok", "warning", "breach", "idle"].forEach(function (t) { el.classList.remove("tone-" + t); });
    el.classList.add("tone-" + tone);
  }

  var TONES = { warned: "warning", breached: "breach", running: "ok", paused: "ok" };

  function live() {
    var board = document.querySelector("[data-live]");
    if (!board || !window.EventSource) { return; }
    var feed = document.getElementById("feed");
    var source = connect(board.dataset.live);
    var pending = null;
    source.addEventListener("clock", function (message) {
      var event = JSON.parse(message.data);
      var tone = TONES[event.state];
      var row = board.querySelector('[data-clock="' + CSS.escape(event.complaint_id + "/" + event.clock) + '"]');
      if (row && tone) {
        setTone(row, tone);
        row.querySelectorAll("time.countdown").forEach(function (t) { setTone(t, tone); });
        var cell = row.querySelector(".state");
        if (cell) { cell.textContent = event.state; }
      }
      if (feed) {
        var li = document.createElement("li");
        li.className = "tone-" + (tone || "idle");
        li.dataset.complaint = event.complaint_id;
        li.dataset.state = event.state;
        var link = document.createElement("a");
        link.href = "/complaints/" + encodeURIComponent(event.complaint_id);
        link.textContent = event.complaint_id;
        li.appendChild(link);
        li.appendChild(document.createTextNode(" " + event.clock + " → " + event.state));
        feed.insertBefore(li, feed.firstChild);
        while (feed.children.length > 50) { feed.removeChild(feed.lastChild); }
      }
      if (window.htmx && board.dataset.board) {
        clearTimeout(pending);
        pending = setTimeout(function () {
          window.htmx.ajax("GET", board.dataset.board, { target: "#board", swap: "innerHTML" });
        }, 300);
      }
    });
  }

  function connect(url) {
    var status = document.querySelector("[data-live-status]");
    var source = new EventSource(url);
    source.onopen = function () { if (status) { status.textContent = "●"; status.title = "live"; } };
    source.onerror = function () { if (status) { status.textContent = "○"; status.title = "reconnecting"; } };
    return source;
  }

  // My queue: a complaint assigned to me appears without a reload.
  function queueLive() {
    var board = document.querySelector("[data-queue-live]");
    if (!board || !window.EventSource) { return; }
    connect(board.dataset.queueLive).addEventListener("assigned", function (message) {
      refresh(board, JSON.parse(message.data).complaint_id, 20);
    });
  }

  // Intake records an assignment a moment after routing announces it: fetch the queue again
  // until the complaint is in it (or the tries run out).
  function refresh(board, id, tries) {
    var again = function (delay) {
      if (tries > 1) { setTimeout(function () { refresh(board, id, tries - 1); }, delay); }
    };
    fetch(board.dataset.board, { credentials: "same-origin" })
      .then(function (reply) { return reply.ok ? reply.text() : Promise.reject(reply.status); })
      .then(function (html) {
        board.innerHTML = html;
        tick();
        if (!board.querySelector('a[href="/complaints/' + CSS.escape(id) + '"]')) { again(250); }
      })
      .catch(function () { again(1000); });
  }

  function presence() {
    var box = document.querySelector("[data-presence]");
    if (!box || !window.EventSource) { return; }
    var me = box.dataset.me;
    var source = new EventSource(box.dataset.presence);
    function post(mode) {
      var body = new URLSearchParams({ mode: mode, csrf_token: box.dataset.csrf });
      fetch(box.dataset.presence, { method: "POST", body: body, credentials: "same-origin" });
    }
    source.addEventListener("presence", function (message) {
      var others = JSON.parse(message.data).people.filter(function (p) { return p.sub !== me; });
      box.textContent = others.map(function (p) {
        return (p.mode === "editing" ? box.dataset.editing : box.dataset.viewing).replace("{who}", p.sub);
      }).join(" · ");
    });
    source.addEventListener("changed", function (message) {
      var change = JSON.parse(message.data);
      if (change.by === me) { return; }
      if (!typing(document.activeElement)) { window.location.reload(); return; }
      var banner = document.getElementById("changed");  // keep what this user is typing
      var text = banner.querySelector("[data-changed-text]");
      text.textContent = text.dataset.changedText.replace("{who}", change.by).replace("{action}", change.action);
      banner.hidden = false;
    });
    var editing = false;
    document.addEventListener("focusin", function (e) {
      if (!editing && e.target.closest("form[data-action]")) { editing = true; post("editing"); }
    });
    document.addEventListener("focusout", function () {
      setTimeout(function () {
        if (editing && !(document.activeElement && document.activeElement.closest("form[data-action]"))) {
          editing = false; post("viewing");
        }
      }, 200);
    });
  }

  function rows() {
    var table = document.querySelector("[data-queue]");
    return table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr")) : [];
  }

  function select(delta) {
    var all = rows();
    if (!all.length) { return; }
    var current = all.findIndex(function (r) { return r.classList.contains("selected"); });
    var next = Math.max(0, Math.min(all.length - 1, current + delta));
    all.forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    all[next].classList.add("selected");
    all[next].setAttribute("aria-selected", "true");
    var link = all[next].querySelector("a");
    if (link) { link.focus(); }
  }

  function openAction(name, focusField) {
    var details = document.getElementById("action-" + name);
    if (!details) { return false; }
    details.open = true;
    var target = details.querySelector(focusField ? "textarea, input:not([type=hidden]), select" : "button[type=submit]");
    if (target) { target.focus(); }
    return true;
  }

  var GO = { q: "/", t: "/team", r: "/at-risk", n: "/new", l: "/lookup" };
  var prefix = null;

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function keys(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
    var dialog = document.getElementById("shortcuts");
    if (prefix === "g" && GO[e.key]) { prefix = null; window.location.assign(GO[e.key]); return; }
    prefix = null;
    if (e.key === "?") { if (dialog && !dialog.open) { dialog.showModal(); } e.preventDefault(); }
    else if (e.key === "g") { prefix = "g"; }
    else if (e.key === "j") { select(1); }
    else if (e.key === "k") { select(-1); }
    else if (e.key === "a") { if (openAction("acknowledge", false)) { e.preventDefault(); } }
    else if (e.key === "m") { if (openAction("notes", true)) { e.preventDefault(); } }
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    live();
    queueLive();
    presence();
    document.addEventListener("keydown", keys);
    document.querySelectorAll("[data-shortcuts]").forEach(function (b) {
      b.addEventListener("click", function () { document.getElementById("shortcuts").showModal(); });
    });
  });
})();
