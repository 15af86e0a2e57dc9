// Search in the published site: words of the query against titles, deks and summaries,
// weighted by rarity (idf) and by where they appear. No server, works from file://.
(function () {
  "use strict";
  var docs = window.INQUIRING_SEARCH || [];
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-hits");
  var query = new URLSearchParams(window.location.search).get("q") || "";
  var box = document.querySelector("form.big-search input[name=q]");
  if (box) { box.value = query; }
  var WEIGHT = { note: 1, line: 1, hub: 0.9, source: 0.6 };
  var STOP = new Set("a an and are as at be by can do does for from has have how in is it its of on or that the this to was what when where which who why will with".split(" "));

  function words(text) {
    return (text || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .split(/[^a-z0-9]+/).filter(function (w) { return w && !STOP.has(w); })
      .map(stem);
  }

  // A light suffix stripper: "extrapolation" and "extrapolate" meet at "extrapol".
  function stem(w) {
    if (w.length <= 4) { return w; }
    var cut = w.replace(/(ations?|ates?|ating|ated|ings?|ers?|ies|ed|es|ly|s)$/, "");
    return cut.length >= 3 ? cut : w;
  }

  if (!query.trim()) {
    status.textContent = "Type a question or a few words above.";
    return;
  }
  var terms = Array.from(new Set(words(query)));
  if (!terms.length) {
    status.textContent = "Those are all very common words; try more specific ones.";
    return;
  }
  var fields = docs.map(function (d) {
    return { title: new Set(words(d.t)), rest: new Set(words(d.d + " " + d.s + " " + (d.c || []).join(" "))) };
  });
  function has(set, term, prefix) {
    if (set.has(term)) { return true; }
    if (!prefix) { return false; }
    for (var w of set) { if (w.startsWith(term)) { return true; } }
    return false;
  }
  var idf = {};
  terms.forEach(function (t, i) {
    var last = i === terms.length - 1;
    var n = fields.filter(function (f) { return has(f.title, t, last) || has(f.rest, t, last); }).length;
    idf[t] = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
  });
  var scored = [];
  fields.forEach(function (f, i) {
    var score = 0;
    terms.forEach(function (t, j) {
      var last = j === terms.length - 1;
      if (has(f.title, t, last)) { score += 3 * idf[t]; } else if (has(f.rest, t, last)) { score += idf[t]; }
    });
    // A reader asking a question wants the notes first, then hubs and the sources behind them.
    score *= WEIGHT[docs[i].k] || 1;
    if (score > 0) { scored.push([score, i]); }
  });
  scored.sort(function (a, b) { return b[0] - a[0]; });
  var top = scored.slice(0, 30);
  status.textContent = top.length
    ? scored.length + " matching page" + (scored.length === 1 ? "" : "s") + (scored.length > 30 ? "; the best 30:" : ":")
    : "Nothing in these notes uses those words. Try other words, or browse the hubs from the home page.";
  var kinds = { note: "", line: "Inquiring line", hub: "Hub", source: "Source" };
  top.forEach(function (pair) {
    var d = docs[pair[1]];
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = d.p.split("/").map(encodeURIComponent).join("/");
    a.textContent = d.t;
    li.appendChild(a);
    if (d.x) {  // a draft note, marked as the pages mark it
      var chip = document.createElement("span");
      chip.className = "chip chip-draft";
      chip.textContent = "Draft";
      li.appendChild(document.createTextNode(" "));
      li.appendChild(chip);
    }
    if (kinds[d.k]) {
      var kind = document.createElement("span");
      kind.className = "extra";
      kind.textContent = " " + kinds[d.k];
      li.appendChild(kind);
    }
    if (d.d) {
      var p = document.createElement("p");
      p.className = "dek-small";
      p.textContent = d.d;
      li.appendChild(p);
    }
    list.appendChild(li);
  });
})();
