// Autocomplete for the search box: names from /search as JSON, offered in a <datalist>.
// Progressive enhancement: without this script the form still submits to /search.
(function () {
  "use strict";
  var input = document.getElementById("site-q");
  var list = document.getElementById("site-q-names");
  if (!input || !list || !window.fetch) { return; }
  var urls = {}, timer = null, latest = 0;
  input.addEventListener("input", function (event) {
    clearTimeout(timer);
    var q = input.value.trim();
    var picked = !event.inputType || event.inputType === "insertReplacementText";
    if (picked && urls[q]) { window.location.href = urls[q]; return; }  // a suggestion was chosen
    if (q.length < 2) { return; }
    timer = setTimeout(function () {
      var mine = ++latest;
      fetch(input.form.action + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (hits) {
          if (mine !== latest) { return; }
          list.replaceChildren();
          hits.forEach(function (hit) {
            var option = document.createElement("option");
            option.value = hit.label;
            option.textContent = hit.types.join(", ");
            urls[hit.label] = hit.url;
            list.appendChild(option);
          });
        })
        .catch(function () { /* the form still works */ });
    }, 150);
  });
})();
