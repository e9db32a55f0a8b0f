// The pipeline board (templates/consulting_crm/opportunities/board.html), progressive enhancement
// only: without this file each card's small form moves it (a post and a redirect). With it, a card
// can be dragged to another column, and the card's form is sent in the background too (the keyboard
// way to do the same). Each move is posted as JSON with the CSRF token in the X-CSRFToken header; a
// refused move (a won stage without a value, say) snaps back and shows the server's translated
// reason. Moving to a lost stage first asks why, in the page's dialog.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    if (!board || !board.getAttribute("data-csrf")) { return; }
    var csrf = board.getAttribute("data-csrf");
    var statusLine = document.getElementById("board-status");
    var dialog = document.getElementById("lost-dialog");
    var dragged = null;

    function msg(name) { return board.getAttribute("data-msg-" + name) || ""; }

    function say(text, isError) {
      statusLine.textContent = text || "";
      statusLine.classList.toggle("error", !!isError);
    }

    function columnOf(node) { return node.closest(".board-column"); }
    function columnFor(stageId) { return board.querySelector('.board-column[data-stage-id="' + stageId + '"]'); }
    function listOf(column) { return column.querySelector(".board-cards"); }

    function refreshEmpty(column) {
      if (!column) { return; }
      var empty = column.querySelector(".board-empty");
      if (empty) { empty.hidden = listOf(column).children.length > 0; }
    }

    function askLostReason() {
      return new Promise(function (resolve) {
        if (!dialog || typeof dialog.showModal !== "function") {
          var typed = window.prompt(document.getElementById("lost-dialog-title").textContent);
          resolve(typed === null ? null : typed);
          return;
        }
        var reason = document.getElementById("lost-dialog-reason");
        reason.value = "";
        dialog.returnValue = "";
        dialog.addEventListener("close", function onClose() {
          dialog.removeEventListener("close", onClose);
          resolve(dialog.returnValue === "save" ? reason.value : null);
        });
        dialog.showModal();
        reason.focus();
      });
    }

    function showTotals(columns) {
      Object.keys(columns || {}).forEach(function (stageId) {
        var column = columnFor(stageId);
        if (!column) { return; }
        var totals = columns[stageId];
        column.querySelector(".total-count").textContent = totals.count;
        column.querySelector(".total-value").textContent = totals.total;
        column.querySelector(".total-weighted").textContent = totals.weighted;
      });
    }

    function showCard(card, data) {
      var select = card.querySelector("select[name=stage]");
      if (select) { select.value = String(data.stage_id); }
      var probability = card.querySelector(".opp-probability");
      if (probability) { probability.textContent = data.probability; }
      var weighted = card.querySelector(".opp-weighted-value");
      if (weighted && data.weighted) { weighted.textContent = data.weighted; }
    }

    // Move `card` to the stage `stageId`: in the page at once, then on the server; undone if refused.
    function move(card, stageId) {
      var origin = columnOf(card);
      var originList = card.parentNode;
      var originNext = card.nextSibling;
      var target = columnFor(stageId);
      if (origin && String(origin.getAttribute("data-stage-id")) === String(stageId)) { return; }
      var asking = (target ? target.getAttribute("data-outcome") === "lost" : isLostChoice(card, stageId))
        ? askLostReason() : Promise.resolve(undefined);
      asking.then(function (lostReason) {
        if (lostReason === null) { return; }            // cancelled
        var body = { stage_id: Number(stageId) };
        if (lostReason !== undefined) { body.lost_reason = lostReason; }
        card.classList.remove("refused");
        card.classList.add("saving");
        if (target) { listOf(target).appendChild(card); } else { card.hidden = true; }
        refreshEmpty(origin);
        refreshEmpty(target);
        say(msg("moving"), false);
        fetch(card.getAttribute("data-move-url"), {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify(body)
        }).then(function (response) {
          var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
          return (json ? response.json() : Promise.resolve(null)).then(function (data) {
            return { ok: response.ok, data: data };
          });
        }).then(function (result) {
          card.classList.remove("saving");
          if (result.ok && result.data && result.data.card) {
            showCard(card, result.data.card);
            showTotals(result.data.columns);
            if (!target) { card.parentNode.removeChild(card); refreshEmpty(origin); }
            say(result.data.message, false);
          } else {
            snapBack(card, originList, originNext, origin, target);
            say((result.data && result.data.detail) || msg("failed"), true);
          }
        }, function () {
          card.classList.remove("saving");
          snapBack(card, originList, originNext, origin, target);
          say(msg("failed"), true);
        });
      });
    }

    function isLostChoice(card, stageId) {
      var option = card.querySelector('select[name=stage] option[value="' + stageId + '"]');
      return !!(option && option.getAttribute("data-outcome") === "lost");
    }

    function snapBack(card, originList, originNext, origin, target) {
      card.hidden = false;
      originList.insertBefore(card, originNext && originNext.parentNode === originList ? originNext : null);
      card.classList.add("refused");
      var select = card.querySelector("select[name=stage]");
      if (select && origin) { select.value = origin.getAttribute("data-stage-id"); }
      refreshEmpty(origin);
      refreshEmpty(target);
      card.focus();
    }

    // --- drag and drop --------------------------------------------------------------------------
    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest && event.target.closest(".opp-card[draggable=true]");
      if (!card) { return; }
      dragged = card;
      card.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
    });
    board.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("dragging"); }
      dragged = null;
      board.querySelectorAll(".drop-target").forEach(function (column) { column.classList.remove("drop-target"); });
    });
    board.addEventListener("dragover", function (event) {
      var column = event.target.closest && event.target.closest(".board-column");
      if (!dragged || !column) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      board.querySelectorAll(".drop-target").forEach(function (other) {
        if (other !== column) { other.classList.remove("drop-target"); }
      });
      column.classList.add("drop-target");
    });
    board.addEventListener("drop", function (event) {
      var column = event.target.closest && event.target.closest(".board-column");
      if (!dragged || !column) { return; }
      event.preventDefault();
      column.classList.remove("drop-target");
      var card = dragged;
      card.classList.remove("dragging");
      dragged = null;
      move(card, column.getAttribute("data-stage-id"));
    });

    // --- the card's own form: the keyboard way, sent in the background ----------------------------
    board.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.classList || !form.classList.contains("opp-move")) { return; }
      event.preventDefault();
      var card = form.closest(".opp-card");
      move(card, form.elements.stage.value);
    });

    board.querySelectorAll(".opp-card[draggable=true]").forEach(function (card) {
      card.setAttribute("tabindex", "-1");
      card.setAttribute("title", msg("drag-hint"));
    });
  });
}());
