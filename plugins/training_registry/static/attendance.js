// The attendance screen on a phone (templates/training_registry/attendance/take.html), progressive
// enhancement only: without this file every tap is a small form post. With it, a tap toggles at
// once and waits in a queue kept in localStorage (one per session); the queue is sent as one JSON
// batch to the sync endpoint, again when the connection returns, on a retry timer and on the next
// page load. Walk-ins wait in the same queue, so nothing typed is lost offline; their client key
// makes a replayed walk-in add one person, not two. Texts come translated in data-msg-* attributes.
(function () {
  "use strict";
  var RETRY_MS = 15000;
  var MATCH_DELAY_MS = 400;
  var WALK_IN_FIELDS = ["name_km", "name_latin", "sex", "age_group", "commune", "commune-id", "phone",
                        "client_key", "confirm_new", "contact_id"];

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("attendance");
    if (!root || !root.getAttribute("data-sync-url")) { return; }
    var list = document.getElementById("att-people");
    var countLine = document.getElementById("att-count");
    var statusLine = document.getElementById("att-status");
    var walkForm = document.getElementById("walk-in-form");
    var matchesBox = document.getElementById("walk-in-matches");
    var pendingList = document.getElementById("walk-in-pending");
    var storageKey = root.getAttribute("data-storage-key");
    var csrf = root.getAttribute("data-csrf");
    var csrfRefreshedAt = 0;
    var inFlight = false, sendAgain = false, problem = "";
    var server = {};            // enrolment id -> true/false: what the server last said

    function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }

    // --- the queue ---------------------------------------------------------------------------------
    var queue = { taps: [], walkIns: [] };
    try {
      var stored = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      if (stored && Array.isArray(stored.taps) && Array.isArray(stored.walkIns)) { queue = stored; }
    } catch (error) { /* no storage (private window): the queue lives as long as the page */ }

    function save() {
      try {
        if (queue.taps.length || queue.walkIns.length) {
          window.localStorage.setItem(storageKey, JSON.stringify(queue));
        } else {
          window.localStorage.removeItem(storageKey);
        }
      } catch (error) { /* kept in memory */ }
    }

    function waitingWalkIns() { return queue.walkIns.filter(function (w) { return w.state === "waiting"; }); }

    // --- the people list ---------------------------------------------------------------------------
    function buttons() { return list ? Array.prototype.slice.call(list.querySelectorAll("button[data-enrolment]")) : []; }

    buttons().forEach(function (button) {
      var state = button.getAttribute("data-state");
      if (state === "present") { server[button.getAttribute("data-enrolment")] = true; }
      if (state === "absent") { server[button.getAttribute("data-enrolment")] = false; }
    });

    function showButton(button, state, queued) {
      button.setAttribute("data-state", state);
      button.setAttribute("aria-pressed", state === "present" ? "true" : "false");
      button.querySelector(".att-state").textContent = msg(state);
      if (button.form && button.form.elements.present) {
        button.form.elements.present.value = state === "present" ? "0" : "1";
      }
      if (queued) { button.setAttribute("data-queued", ""); } else { button.removeAttribute("data-queued"); }
    }

    function addPerson(enrolmentId, name) {
      if (!list || list.querySelector('button[data-enrolment="' + enrolmentId + '"]')) { return; }
      var item = element("li");
      item.id = "p" + enrolmentId;
      var form = element("form", "att-tap");
      form.method = "post";
      form.action = root.getAttribute("data-mark-url");
      [["csrf_token", csrf], ["enrolment_id", enrolmentId], ["present", "0"]].forEach(function (pair) {
        var input = element("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[1];
        form.appendChild(input);
      });
      var button = element("button", "att-person");
      button.type = "submit";
      button.setAttribute("data-enrolment", String(enrolmentId));
      button.appendChild(element("span", "att-name", name));
      button.appendChild(element("span", "att-state", msg("present")));
      form.appendChild(button);
      item.appendChild(form);
      list.appendChild(item);
      var empty = document.querySelector(".att-empty");
      if (empty) { empty.hidden = true; }
    }

    function render() {
      var local = {};
      queue.taps.forEach(function (tap) { local[tap.enrolment_id] = tap.present; });
      var present = 0, enrolled = 0;
      buttons().forEach(function (button) {
        var id = button.getAttribute("data-enrolment");
        var queued = Object.prototype.hasOwnProperty.call(local, id);
        var value = queued ? local[id] : server[id];
        showButton(button, value === true ? "present" : (value === false ? "absent" : "unmarked"), queued);
        enrolled += 1;
        if (value === true) { present += 1; }
      });
      var notSaved = queue.walkIns.filter(function (w) { return w.state !== "invalid"; }).length;
      countLine.textContent = fill(msg("count"), { present: present + notSaved, enrolled: enrolled + notSaved });
      renderPending();
      renderStatus();
    }

    function renderStatus() {
      var parts = [], kind = "saved";
      var taps = queue.taps.length, walkIns = waitingWalkIns().length;
      if (navigator.onLine === false && (taps || walkIns)) { parts.push(msg("offline")); kind = "offline"; }
      if (taps) { parts.push(fill(msg(taps === 1 ? "taps-one" : "taps-other"), { n: taps })); kind = kind === "saved" ? "waiting" : kind; }
      if (walkIns) { parts.push(fill(msg(walkIns === 1 ? "walkins-one" : "walkins-other"), { n: walkIns })); kind = kind === "saved" ? "waiting" : kind; }
      if (problem) { parts.push(problem); kind = "error"; }
      if (!parts.length) { parts.push(msg("saved")); }
      statusLine.textContent = parts.join("\n");
      statusLine.setAttribute("data-kind", kind);
      statusLine.hidden = false;
    }

    if (list) {
      list.addEventListener("submit", function (event) {
        var button = event.target.querySelector("button[data-enrolment]");
        if (!button) { return; }
        event.preventDefault();
        var id = Number(button.getAttribute("data-enrolment"));
        var present = button.getAttribute("data-state") !== "present";
        // Only the last tap on a person matters; earlier ones still queued are dropped.
        queue.taps = queue.taps.filter(function (tap) { return tap.enrolment_id !== id; });
        queue.taps.push({ key: newKey(), enrolment_id: id, present: present });
        save();
        render();
        sync();
      });
    }

    // --- sending ------------------------------------------------------------------------------------
    function refreshCsrf() {
      // A page left open for hours outlives its CSRF token: fetch a fresh one from the same screen.
      csrfRefreshedAt = Date.now();
      return fetch(window.location.pathname, { credentials: "same-origin" }).then(function (response) {
        return response.text();
      }).then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("attendance");
        if (fresh && fresh.getAttribute("data-csrf")) {
          csrf = fresh.getAttribute("data-csrf");
          document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = csrf; });
        }
      });
    }

    function sync() {
      if (inFlight) { sendAgain = true; return; }
      var taps = queue.taps.slice();
      var walkIns = waitingWalkIns();
      if (!taps.length && !walkIns.length) { render(); return; }
      if (navigator.onLine === false) { render(); return; }
      inFlight = true;
      sendAgain = false;
      statusLine.textContent = msg("sending");
      statusLine.hidden = false;
      fetch(root.getAttribute("data-sync-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({
          taps: taps.map(function (tap) { return { key: tap.key, enrolment_id: tap.enrolment_id, present: tap.present }; }),
          walk_ins: walkIns.map(function (w) { return w.fields; })
        })
      }).then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
        return (json ? response.json() : Promise.resolve(null)).then(function (body) {
          return { status: response.status, body: body };
        });
      }).then(function (result) {
        inFlight = false;
        var body = result.body;
        if (result.status === 200 && body && body.marks) {
          problem = "";
          received(taps, walkIns, body);
        } else if (result.status === 422 && body && Array.isArray(body.refused)) {
          // Refused taps (someone not enrolled, or dropped out) are dropped: resending cannot help.
          queue.taps = queue.taps.filter(function (tap) { return body.refused.indexOf(tap.key) === -1; });
          problem = body.detail || msg("retry");
          save();
          sendAgain = true;
        } else if (result.status === 400 && Date.now() - csrfRefreshedAt > 60000) {
          refreshCsrf().then(sync, function () { problem = msg("retry"); render(); });
          return;
        } else {
          problem = (body && body.detail) || msg("retry");
        }
        render();
        if (sendAgain) { sync(); }
      }, function () {
        inFlight = false;
        problem = navigator.onLine === false ? "" : msg("retry");
        render();
      });
    }

    function received(taps, walkIns, body) {
      var sent = {};
      taps.forEach(function (tap) { sent[tap.key] = true; });
      queue.taps = queue.taps.filter(function (tap) { return !sent[tap.key]; });
      server = {};
      Object.keys(body.marks).forEach(function (id) { server[id] = body.marks[id]; });
      var outcomes = body.walk_ins || {};
      walkIns.forEach(function (walkIn) {
        var outcome = outcomes[walkIn.fields.client_key];
        if (!outcome) { return; }
        if (outcome.status === "saved") {
          queue.walkIns = queue.walkIns.filter(function (w) { return w !== walkIn; });
          addPerson(outcome.enrolment_id, outcome.name);
          server[outcome.enrolment_id] = true;
        } else if (outcome.status === "choose") {
          walkIn.state = "choose";
          walkIn.candidates = outcome.candidates || [];
        } else {
          walkIn.state = "invalid";
          walkIn.errors = outcome.errors || {};
        }
      });
      save();
    }

    window.addEventListener("online", sync);
    window.addEventListener("offline", render);
    window.setInterval(function () {
      if (queue.taps.length || waitingWalkIns().length) { sync(); }
    }, RETRY_MS);

    // --- walk-ins ------------------------------------------------------------------------------------
    function walkInLabel(fields) {
      return (fields.name_km || "").trim() || (fields.name_latin || "").trim() || msg("no-name");
    }

    function readWalkForm(extra) {
      var fields = {};
      WALK_IN_FIELDS.forEach(function (name) {
        var input = walkForm.elements[name];
        fields[name] = input && input.value !== undefined ? input.value : "";
      });
      Object.keys(extra || {}).forEach(function (name) { fields[name] = extra[name]; });
      return fields;
    }

    function resetWalkForm() {
      walkForm.reset();
      ["name_km", "name_latin", "phone", "commune", "commune-id", "confirm_new"].forEach(function (name) {
        if (walkForm.elements[name]) { walkForm.elements[name].value = ""; }
      });
      walkForm.elements.client_key.value = newKey();
      clearMatches();
    }

    function queueWalkIn(fields) {
      queue.walkIns.push({ fields: fields, state: "waiting", label: walkInLabel(fields) });
      save();
      resetWalkForm();
      render();
      sync();
    }

    function candidateButtons(container, candidates, choose) {
      var choices = element("ul", "att-choices");
      candidates.forEach(function (candidate) {
        var item = element("li");
        var button = element("button", "button secondary", fill(msg("this-is"), { name: candidate.name }));
        button.type = "button";
        button.addEventListener("click", function () { choose({ contact_id: String(candidate.id) }); });
        item.appendChild(button);
        var why = (candidate.reasons || []).concat(candidate.details || []).join(", ");
        if (why) { item.appendChild(element("span", "att-reasons", why)); }
        choices.appendChild(item);
      });
      container.appendChild(choices);
      var fresh = element("button", "button secondary", msg("new-person"));
      fresh.type = "button";
      fresh.addEventListener("click", function () { choose({ confirm_new: "1", contact_id: "" }); });
      container.appendChild(fresh);
    }

    function renderPending() {
      if (!pendingList) { return; }
      pendingList.textContent = "";
      queue.walkIns.forEach(function (walkIn) {
        var item = element("li");
        if (walkIn.state === "choose") {
          item.appendChild(element("p", "", fill(msg("choose"), { name: walkIn.label })));
          candidateButtons(item, walkIn.candidates || [], function (choice) {
            Object.keys(choice).forEach(function (name) { walkIn.fields[name] = choice[name]; });
            walkIn.state = "waiting";
            save();
            render();
            sync();
          });
        } else if (walkIn.state === "invalid") {
          item.appendChild(element("p", "", fill(msg("fix"), { name: walkIn.label })));
          Object.keys(walkIn.errors || {}).forEach(function (name) {
            item.appendChild(element("p", "field-error", [].concat(walkIn.errors[name]).join(" ")));
          });
          var edit = element("button", "button secondary", msg("edit"));
          edit.type = "button";
          edit.addEventListener("click", function () {
            queue.walkIns = queue.walkIns.filter(function (w) { return w !== walkIn; });
            save();
            WALK_IN_FIELDS.forEach(function (name) {
              if (walkForm.elements[name] && walkIn.fields[name] !== undefined) { walkForm.elements[name].value = walkIn.fields[name]; }
            });
            render();
            walkForm.elements.name_km.focus();
          });
          item.appendChild(edit);
        } else {
          item.textContent = fill(msg("waiting"), { name: walkIn.label });
        }
        pendingList.appendChild(item);
      });
    }

    function clearMatches() {
      if (!matchesBox) { return; }
      matchesBox.textContent = "";
      matchesBox.hidden = true;
    }

    var matchTimer = null, matchRequest = 0;
    function lookForMatches() {
      var fields = readWalkForm();
      var query = new URLSearchParams({ name_km: fields.name_km, name_latin: fields.name_latin, phone: fields.phone });
      if (!(fields.name_km + fields.name_latin + fields.phone).trim() || navigator.onLine === false) { clearMatches(); return; }
      var ticket = ++matchRequest;
      fetch(root.getAttribute("data-matches-url") + "?" + query.toString(), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) { return response.ok ? response.json() : null; }).then(function (body) {
        if (ticket !== matchRequest) { return; }
        clearMatches();
        if (!body || !body.matches || !body.matches.length) { return; }
        matchesBox.appendChild(element("p", "", msg("matches")));
        candidateButtons(matchesBox, body.matches, function (choice) { queueWalkIn(readWalkForm(choice)); });
        matchesBox.hidden = false;
      }, function () { /* offline: the server checks when the walk-in is sent */ });
    }

    if (walkForm) {
      ["name_km", "name_latin", "phone"].forEach(function (name) {
        var input = walkForm.elements[name];
        if (!input) { return; }
        input.addEventListener("input", function () {
          window.clearTimeout(matchTimer);
          matchTimer = window.setTimeout(lookForMatches, MATCH_DELAY_MS);
        });
      });
      walkForm.addEventListener("submit", function (event) {
        event.preventDefault();
        var fields = readWalkForm();
        if (!fields.name_km.trim() && !fields.name_latin.trim()) {
          var field = walkForm.elements.name_km;
          field.setAttribute("aria-invalid", "true");
          field.focus();
          problem = msg("need-name");
          renderStatus();
          problem = "";
          return;
        }
        walkForm.elements.name_km.removeAttribute("aria-invalid");
        if (!fields.client_key) { fields.client_key = newKey(); }
        queueWalkIn(fields);
      });
    }

    render();
    sync();
  });
})();
