// Type-ahead for lookup fields (core/registers/fields.py): progressive enhancement of a text box
// that works without this file. Asks the server after a pause in typing, shows at most ten
// matches as an ARIA listbox, and keeps the chosen record's id in the hidden input.
(function () {
  "use strict";
  var DELAY_MS = 250;
  var counter = 0;

  function enhance(wrapper) {
    var input = wrapper.querySelector("input[type=text]");
    var hidden = wrapper.querySelector("input[type=hidden]");
    var url = wrapper.getAttribute("data-lookup-url");
    if (!input || !hidden || !url) { return; }   // after an ambiguous text the radio buttons do the job
    var minChars = parseInt(wrapper.getAttribute("data-lookup-min") || "2", 10);
    var listId = (input.id || "lookup-" + (++counter)) + "-listbox";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "lookup-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    wrapper.appendChild(list);
    wrapper.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var timer = null, pending = null, items = [], active = -1, lastQuery = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function pick(index) {
      var item = items[index];
      if (!item) { return; }
      input.value = item.code ? item.code + " " + item.label : item.label;
      hidden.value = item.id;
      lastQuery = input.value;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(results) {
      items = results.slice(0, 10);
      list.textContent = "";
      if (!items.length) {
        var empty = document.createElement("li");
        empty.className = "lookup-empty";
        empty.textContent = wrapper.getAttribute("data-lookup-empty") || "";
        list.appendChild(empty);
      }
      items.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var code = document.createElement("span");
        code.className = "lookup-code";
        code.textContent = item.code || "";
        option.appendChild(code);
        option.appendChild(document.createTextNode(" " + item.label));
        // mousedown, not click: the text box must not lose the pick to its blur handler.
        option.addEventListener("mousedown", function (event) { event.preventDefault(); pick(i); });
        list.appendChild(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      status.textContent = items.length ? items.length + " · " + (wrapper.getAttribute("data-lookup-hint") || "")
                                        : (wrapper.getAttribute("data-lookup-empty") || "");
    }

    function fetchResults(query) {
      if (pending) { pending.abort(); }   // a slower answer to an older text must never win
      pending = new AbortController();
      var separator = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + separator + "q=" + encodeURIComponent(query), {
        signal: pending.signal, credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      }).then(function (results) {
        if (input.value.trim() === query) { show(results); }
      }).catch(function () { /* aborted or offline: the form still works without the list */ });
    }

    input.addEventListener("input", function () {
      hidden.value = "";   // the text changed: the server resolves it unless a new match is picked
      var query = input.value.trim();
      clearTimeout(timer);
      if (query.length < minChars) { close(); lastQuery = null; if (pending) { pending.abort(); } return; }
      if (query === lastQuery) { if (items.length) { show(items); } return; }
      timer = setTimeout(function () { lastQuery = query; fetchResults(query); }, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) { if (items.length) { show(items); } else { return; } }
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        pick(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });

    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.fetch || !window.AbortController) { return; }
    document.querySelectorAll(".lookup[data-lookup-url]").forEach(enhance);
  });
})();
