// jingzhi page scripts: small, optional progressive enhancement (pages work without them).
// The only script of the app (the CSP allows no inline script): every page behaviour is here.
(function () {
  "use strict";
  // Scripts run: phones may fold the nav behind the 菜单 button (app.css).
  document.documentElement.classList.add("js");
  if (window.htmx) {
    // Swap 422 responses too: they carry the form again with its field errors.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
    // No request leaves the machine: htmx must not load anything by itself.
    htmx.config.selfRequestsOnly = true;
    htmx.config.allowEval = false;
    htmx.config.includeIndicatorStyles = false;
  }
  // Forms that throw work away (作废, 退回重办) ask first: <form data-confirm="question">.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f instanceof HTMLFormElement && f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
      e.preventDefault();
    }
  });
  // A busy state on the submit button pressed, so that a slow phone network is not tapped twice.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (e.defaultPrevented) return;
    if (!(f instanceof HTMLFormElement) || f.hasAttribute("hx-post")) return;
    var b = e.submitter || f.querySelector("button[type=submit]");
    if (b && f.method.toLowerCase() === "post" && !f.action.endsWith("/import/rejects")) {
      setTimeout(function () { b.disabled = true; b.classList.add("busy"); }, 0);
    }
  });

  // "Back" links (error page): the browser's history when there is one, else their href.
  document.addEventListener("click", function (e) {
    var a = e.target instanceof Element ? e.target.closest("a[data-back]") : null;
    if (a && window.history.length > 1) {
      e.preventDefault();
      window.history.back();
    }
  });

  // The report form (/events/new): only the chosen category's questions, the map picker.
  function reportForm(form) {
    var sel = document.getElementById("category");
    function show() {
      form.querySelectorAll("fieldset.questions").forEach(function (f) {
        var other = f.dataset.category !== sel.value;
        f.hidden = other;
        // A hidden category's questions are neither validated nor sent.
        f.disabled = other;
      });
    }
    if (sel) {
      sel.addEventListener("change", show);
      show();
    }
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
    var picker = document.getElementById("map-picker");
    if (!picker) return;
    var svg = picker.querySelector("svg");
    var p = svg && svg.dataset.proj ? svg.dataset.proj.split(",").map(Number) : null;
    picker.addEventListener("click", function (e) {
      e.preventDefault();
      if (!p) return;
      var pt = svg.createSVGPoint();
      pt.x = e.clientX; pt.y = e.clientY;
      var m = svg.getScreenCTM();
      if (!m) return;
      var v = pt.matrixTransform(m.inverse());
      // data-proj = min_x, max_y, kx, k, pad (see pages/map.rs)
      var lon = p[0] + (v.x - p[4]) / (p[2] * p[3]);
      var lat = p[1] - (v.y - p[4]) / p[3];
      document.getElementById("x").value = lon.toFixed(6);
      document.getElementById("y").value = lat.toFixed(6);
      var pin = svg.querySelector("circle.pin");
      if (!pin) {
        pin = document.createElementNS("http://www.w3.org/2000/svg", "circle");
        pin.setAttribute("class", "pin"); pin.setAttribute("r", "9");
        svg.appendChild(pin);
      }
      pin.setAttribute("cx", v.x); pin.setAttribute("cy", v.y);
      var label = document.getElementById("pin-label");
      label.textContent = label.getAttribute("data-picked") + lon.toFixed(5) + ", " + lat.toFixed(5);
      var r = document.querySelector('input[name="place_mode"][value="map"]');
      if (r) r.checked = true;
      // The open reports nearby follow the place (htmx listens for this).
      form.dispatchEvent(new CustomEvent("jz:place", { bubbles: true }));
    });
  }
  // The building picker (building_picker.html): a found building fills the code the form sends.
  document.addEventListener("click", function (e) {
    var b = e.target instanceof Element ? e.target.closest("button[data-pick-code]") : null;
    var picker = b && b.closest("[data-building-picker]");
    if (!picker) return;
    var code = picker.querySelector('input[name="building_code"]');
    var q = picker.querySelector('input[name="building_q"]');
    code.value = b.dataset.pickCode;
    code.removeAttribute("aria-invalid");
    if (q) q.value = b.dataset.pickName;
    var list = picker.querySelector(".picks");
    list.textContent = "";
    var li = document.createElement("li");
    li.className = "picked";
    li.setAttribute("data-testid", "building-picked");
    li.textContent = "已选：" + b.dataset.pickName;
    list.appendChild(li);
    // On to the next field of the form (the unit).
    var next = picker.nextElementSibling && picker.nextElementSibling.querySelector("input, select");
    if (next) next.focus();
  });
  // The phone header's 菜单 button: opens and closes the nav (and the account line, the tools).
  function menu(btn) {
    var top = btn.closest(".top");
    function set(open) {
      btn.setAttribute("aria-expanded", open ? "true" : "false");
      top.classList.toggle("menu-open", open);
    }
    btn.addEventListener("click", function () {
      set(btn.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && top.classList.contains("menu-open")) {
        set(false);
        btn.focus();
      }
    });
  }
  // The phone header's 通知 link shows the unread badge the nav's link loaded (one request).
  if (window.htmx) {
    htmx.onLoad(function (el) {
      if (!(el instanceof Element) || !el.classList.contains("badge") || !el.closest(".nav")) return;
      var bell = document.querySelector("[data-badge-mirror]");
      if (!bell || bell.querySelector(".badge")) return;
      var copy = el.cloneNode(true);
      copy.className = "badge";
      bell.appendChild(copy);
    });
  }
  function ready() {
    var form = document.getElementById("report-form");
    if (form) reportForm(form);
    var btn = document.querySelector("[data-menu-toggle]");
    if (btn) menu(btn);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
