/* b12ms pages: small enhancements only. Every page works without this file.
 *
 * - "Add another" buttons add a row in place instead of reloading the form.
 * - A lab row's unit list shows only the units of the test chosen in that row.
 * - The error summary takes focus, so a screen reader hears what to fix.
 * - Printing opens the "details for your clinician" section.
 * - Food boxes on the diet page suggest foods as you type (a <datalist> filled from the server).
 *
 * Loaded with `defer` from /static (the Content Security Policy forbids inline script).
 */
(function () {
  "use strict";

  function renumber(row, group, index) {
    var pattern = new RegExp("^" + group + "-\\d+");
    var replacement = group + "-" + index;
    row.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach(function (el) {
      ["id", "name", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.replace(pattern, replacement)); }
      });
      var described = el.getAttribute("aria-describedby");
      if (described) {
        var kept = described.split(" ").filter(function (id) { return !/-error$/.test(id); });
        kept = kept.map(function (id) { return id.replace(pattern, replacement); });
        if (kept.length) { el.setAttribute("aria-describedby", kept.join(" ")); } else { el.removeAttribute("aria-describedby"); }
      }
    });
    row.querySelectorAll("[data-row-number]").forEach(function (el) { el.textContent = String(index + 1); });
    row.querySelectorAll("label").forEach(function (label) {
      label.textContent = label.textContent.replace(/\d+$/, String(index + 1));
    });
  }

  function clearRow(row) {
    row.querySelectorAll(".error-message").forEach(function (el) { el.remove(); });
    row.querySelectorAll(".field-error").forEach(function (el) { el.classList.remove("field-error"); });
    row.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    row.querySelectorAll("input").forEach(function (el) { el.value = ""; });
    row.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
  }

  function setUpAddButtons() {
    document.querySelectorAll("button[name='add']").forEach(function (button) {
      var group = button.value;
      var container = document.querySelector("[data-rows='" + group + "']");
      if (!container) { return; }
      button.addEventListener("click", function (event) {
        var rows = container.querySelectorAll("[data-row]");
        if (!rows.length) { return; }
        event.preventDefault();
        var copy = rows[rows.length - 1].cloneNode(true);
        clearRow(copy);
        renumber(copy, group, rows.length);
        container.appendChild(copy);
        setUpUnitFilter(copy);
        var first = copy.querySelector("input, select");
        if (first) { first.focus(); }
      });
    });
  }

  /* Without JavaScript the unit list holds every test's units, grouped by test. With it, the list
     is rebuilt to hold only the chosen test's units, so each unit appears once. */
  var pristineUnits = null; /* every test's units, as the server sent them */

  function setUpUnitFilter(scope) {
    if (pristineUnits === null) {
      var first = document.querySelector("[data-unit-select]");
      if (!first) { return; }
      pristineUnits = first.cloneNode(true);
    }
    var placeholder = pristineUnits.querySelector("option[value='']");
    var groups = Array.prototype.slice.call(pristineUnits.querySelectorAll("optgroup"));
    scope.querySelectorAll("[data-analyte-select]").forEach(function (analyteSelect) {
      var row = analyteSelect.closest("[data-row]");
      var unitSelect = row && row.querySelector("[data-unit-select]");
      if (!unitSelect) { return; }
      function filter() {
        var analyte = analyteSelect.value;
        var current = unitSelect.value;
        unitSelect.textContent = "";
        unitSelect.appendChild(placeholder.cloneNode(true));
        groups.forEach(function (group) {
          if (!analyte) {
            unitSelect.appendChild(group.cloneNode(true));
          } else if (group.getAttribute("data-analyte") === analyte) {
            Array.prototype.forEach.call(group.children, function (option) {
              unitSelect.appendChild(option.cloneNode(true));
            });
          }
        });
        unitSelect.value = current;
        if (unitSelect.value !== current) { unitSelect.value = ""; }
      }
      analyteSelect.addEventListener("change", filter);
      filter();
    });
  }

  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  function setUpPrinting() {
    var opened = [];
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details:not([open])").forEach(function (details) {
        details.open = true;
        opened.push(details);
      });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (details) { details.open = false; });
      opened = [];
    });
  }

  function setUpFoodSearch() {
    var boxes = document.querySelectorAll("input[data-food-search]");
    if (!boxes.length || !window.fetch) { return; }
    var timer = null;
    var lastQuery = {};
    function fill(box) {
      var query = box.value.trim();
      var listId = box.getAttribute("list");
      var list = listId && document.getElementById(listId);
      if (!list || query.length < 2 || /^\d/.test(query) || lastQuery[listId] === query) { return; }
      lastQuery[listId] = query;
      fetch("/diet/foods.json?q=" + encodeURIComponent(query), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { foods: [] }; })
        .then(function (data) {
          list.textContent = "";
          data.foods.forEach(function (food) {
            var option = document.createElement("option");
            option.value = food.ndb_no + " " + food.description;
            option.label = food.b12 === null ? "B12 not analysed" : food.b12 + " µg B12 per 100 g";
            list.appendChild(option);
          });
        })
        .catch(function () { /* the plain search page still works */ });
    }
    boxes.forEach(function (box) {
      box.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { fill(box); }, 200);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.documentElement.classList.add("js");
    setUpAddButtons();
    setUpUnitFilter(document);
    focusErrorSummary();
    setUpPrinting();
    setUpFoodSearch();
  });
})();
