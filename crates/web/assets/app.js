// jingzhi page scripts: small, optional progressive enhancement (pages work without them).
(function () {
  "use strict";
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
  // A busy state on submit buttons, so that a slow phone network is not tapped twice.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!(f instanceof HTMLFormElement) || f.hasAttribute("hx-post")) return;
    var b = f.querySelector("button[type=submit]");
    if (b && f.method.toLowerCase() === "post" && !f.action.endsWith("/import/rejects")) {
      setTimeout(function () { b.disabled = true; b.classList.add("busy"); }, 0);
    }
  });
})();
