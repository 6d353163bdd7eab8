/* IOP Finder widget. On a partner page:
 *   <script src="https://FINDER-HOST/widget.js" data-near="22902" data-level="iop"
 *           data-lang="es" async></script>
 * inserts an iframe of FINDER-HOST/embed with those defaults, after the script tag (or inside
 * the element named by data-target="#id"). Attributes: data-near, data-radius-mi, data-state,
 * data-q, data-level, data-modality, data-medication, data-schedule, data-payment,
 * data-population, data-language, data-include-unknown, data-sort, data-per-page, data-lang,
 * data-height (initial pixels), data-title. The frame grows to fit its content, and the
 * "iopfinder:open" event (detail.id) fires on the iframe when a visitor opens a listing.
 * No cookies, nothing stored, nothing loaded from anywhere but FINDER-HOST. */
(function () {
  "use strict";
  var s = document.currentScript;
  if (!s || !s.src) return;
  var origin = new URL(s.src, location.href).origin;
  var keys = ["near", "radius_mi", "state", "q", "level", "modality", "medication", "schedule",
    "payment", "population", "language", "include_unknown", "sort", "per_page", "lang"];
  var params = new URLSearchParams();
  keys.forEach(function (k) {
    var v = s.getAttribute("data-" + k.replace(/_/g, "-"));
    if (v) params.set(k, v);
  });
  var f = document.createElement("iframe");
  f.src = origin + "/embed" + (params.toString() ? "?" + params.toString() : "");
  f.title = s.getAttribute("data-title") || "Find intensive outpatient treatment (IOP Finder)";
  f.setAttribute("width", "100%");
  f.setAttribute("height", s.getAttribute("data-height") || "640");
  f.setAttribute("referrerpolicy", "no-referrer");
  f.style.border = "0";
  f.style.maxWidth = "100%";
  window.addEventListener("message", function (e) {
    if (e.origin !== origin || e.source !== f.contentWindow || !e.data) return;
    if (e.data.type === "iop-finder:height" && typeof e.data.height === "number") {
      f.setAttribute("height", String(Math.max(200, Math.min(20000, Math.ceil(e.data.height)))));
    } else if (e.data.type === "iop-finder:open" && typeof e.data.id === "string") {
      f.dispatchEvent(new CustomEvent("iopfinder:open", { bubbles: true, detail: { id: e.data.id } }));
    }
  });
  var target = s.getAttribute("data-target");
  var host = target && document.querySelector(target);
  if (host) host.appendChild(f);
  else s.parentNode.insertBefore(f, s.nextSibling);
})();
