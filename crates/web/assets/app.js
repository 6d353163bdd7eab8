/* IOP Finder: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  var d = document;

  // "Use my location": fills the location box with the browser's position, rounded to three
  // decimals (about 100 m), which is plenty to find programs nearby.
  var box = d.getElementById("near");
  var slot = d.getElementById("locate");
  if (box && slot && navigator.geolocation) {
    var b = d.createElement("button");
    var msg = d.getElementById("locate-msg");
    b.type = "button";
    b.className = "sec";
    b.id = "use-location";
    b.textContent = slot.getAttribute("data-label");
    b.addEventListener("click", function () {
      b.disabled = true;
      navigator.geolocation.getCurrentPosition(function (p) {
        box.value = p.coords.latitude.toFixed(3) + "," + p.coords.longitude.toFixed(3);
        b.disabled = false;
        box.focus();
      }, function () {
        b.disabled = false;
        if (msg) msg.textContent = slot.getAttribute("data-failed");
      }, { maximumAge: 600000, timeout: 15000 });
    });
    slot.appendChild(b);
  }

  // Inside the partner widget's iframe: tell the parent page our height, and which listing
  // was opened (widget.js checks that these messages come from our origin and frame).
  if (d.documentElement.hasAttribute("data-embed") && window.parent !== window) {
    var last = 0;
    var send = function () {
      var h = d.documentElement.scrollHeight;
      if (h !== last) {
        last = h;
        window.parent.postMessage({ type: "iop-finder:height", height: h }, "*");
      }
    };
    window.addEventListener("load", send);
    window.addEventListener("resize", send);
    if (window.ResizeObserver) new ResizeObserver(send).observe(d.body);
    d.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[data-listing]");
      if (a) window.parent.postMessage({ type: "iop-finder:open", id: a.getAttribute("data-listing") }, "*");
    });
  }
})();
