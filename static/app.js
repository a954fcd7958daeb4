/* stance-annotator page script: only what the server cannot do.
 * - turn a text selection into code-point offsets (browsers count UTF-16 units);
 * - show the stance form by the selection, label hotkeys, the actor combobox;
 * - report failed requests without losing what the user typed.
 * Every form also works without this script (full page loads).
 */
(function () {
  "use strict";

  /** Number of Unicode code points in a string (a surrogate pair counts once). */
  function cpLen(s) {
    let n = 0;
    for (const _ of s) n++; // eslint-disable-line no-unused-vars
    return n;
  }

  let cache = null; // the statement text as an array of code points

  function textEl() { return document.getElementById("text"); }

  function fullText() {
    if (!cache) {
      const parts = [];
      textEl().querySelectorAll(".seg").forEach((s) => parts.push(s.textContent));
      cache = Array.from(parts.join(""));
    }
    return cache;
  }

  /** Code-point offset of a DOM boundary point inside #text, or null outside it. */
  function pointOffset(node, offset) {
    const root = textEl();
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = node.parentElement && node.parentElement.closest(".seg");
      if (seg && root.contains(seg)) return Number(seg.dataset.start) + cpLen(node.data.slice(0, offset));
    }
    const point = document.createRange();
    point.setStart(node, offset);
    for (const seg of root.querySelectorAll(".seg")) {
      if (point.comparePoint(seg, 0) >= 0) return Number(seg.dataset.start);
    }
    return fullText().length;
  }

  /** The current selection as trimmed [start, end) code points, or null. */
  function selectionSpan() {
    const sel = window.getSelection();
    if (!sel || !sel.rangeCount || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const root = textEl();
    if (!root.contains(range.startContainer) || !root.contains(range.endContainer)) return null;
    let start = pointOffset(range.startContainer, range.startOffset);
    let end = pointOffset(range.endContainer, range.endOffset);
    const chars = fullText();
    while (start < end && /\s/u.test(chars[start])) start++;
    while (end > start && /\s/u.test(chars[end - 1])) end--;
    if (start >= end) return null;
    return { start, end, text: chars.slice(start, end).join(""), rect: range.getBoundingClientRect(),
      range: range.cloneRange() };
  }

  function form() { return document.getElementById("stance-form"); }
  function isOpen() { const f = form(); return !!f && f.classList.contains("open"); }

  /** Put the floating form by ``rect`` (viewport coordinates) wholly inside the window:
   * below it, else above, else beside, else on the side with more room. */
  function place(rect) {
    const slot = document.getElementById("stance-form-slot");
    if (!slot || !slot.classList.contains("floating-slot") || !rect) return;
    const m = 8, vw = document.documentElement.clientWidth, vh = window.innerHeight;
    const width = Math.min(380, vw - 2 * m);
    slot.style.width = width + "px";
    const h = Math.min(slot.offsetHeight, vh - 2 * m);
    const clamp = (v, lo, hi) => Math.max(lo, Math.min(v, hi));
    let left = clamp(rect.left, m, vw - width - m);
    let top;
    if (rect.bottom + m + h <= vh - m) top = rect.bottom + m;
    else if (rect.top - m - h >= m) top = rect.top - m - h;
    else if (rect.right + m + width <= vw - m) { left = rect.right + m; top = clamp(rect.top, m, vh - h - m); }
    else if (rect.left - m - width >= m) { left = rect.left - m - width; top = clamp(rect.top, m, vh - h - m); }
    else top = (vh - rect.bottom > rect.top) ? vh - h - m : m;
    slot.style.left = (left + window.scrollX) + "px";
    slot.style.top = (clamp(top, m, vh - h - m) + window.scrollY) + "px";
  }

  function openWith(span) {
    const f = form();
    if (!f || textEl().dataset.editable !== "true") return;
    if (!isOpen()) remember(textEl());
    f.elements.start.value = span.start;
    f.elements.end.value = span.end;
    f.elements.text.value = span.text;
    showSelected(span.text);
    f.dataset.source = "selection";
    f.classList.add("open");
    anchor = () => span.range.getBoundingClientRect();
    place(span.rect);
    pending(span.range);
  }

  /** The "Selected:" line, hidden while nothing is selected (no empty quotes). */
  function showSelected(text) {
    const q = document.getElementById("sel-text");
    if (!q) return;
    q.textContent = text;
    q.parentElement.hidden = !text;
  }

  let anchor = null; // what the open form is placed by: () => its rect in the window

  /* Where focus goes back to after a save or cancel: where the annotator was. */
  let returnTo = null;
  function remember(el) { returnTo = el; } // an element, or a selector for one a save replaces
  function restoreFocus() {
    const back = typeof returnTo === "string" ? document.querySelector(returnTo) : returnTo;
    const el = (back && back.isConnected && back) || textEl();
    if (!el) return;
    if (el === textEl()) {
      el.classList.add("quiet-focus"); // back in the text: no thick outline round the whole panel
      el.addEventListener("blur", () => el.classList.remove("quiet-focus"), { once: true });
    }
    el.focus({ preventScroll: true });
  }

  /** Keep the chosen span visible while focus is in the form (CSS Custom Highlight API). */
  function pending(range) {
    if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
    if (range) CSS.highlights.set("pending", new Highlight(range));
    else CSS.highlights.delete("pending");
  }

  function closeForm() {
    const f = form();
    if (!f) return;
    if (f.dataset.mode === "edit") { window.location.reload(); return; }
    if (f.dataset.mode === "gold") { pending(null); textEl().focus(); return; } // the page is the form
    f.classList.remove("open");
    pending(null);
    restoreFocus();
  }

  function onSelect() {
    const span = selectionSpan();
    if (span) openWith(span);
  }

  /* ---- actor combobox ---- */
  function fieldOf(el) { return el.closest(".actor-field"); }

  function choose(li) {
    const field = fieldOf(li);
    const name = field.dataset.field;
    const visible = field.querySelector('input[type="search"]');
    const hidden = field.querySelector('input[name="' + name + '"]');
    const propose = field.querySelector('input[name="propose_target"]');
    if (li.dataset.propose !== undefined) {
      visible.value = li.dataset.propose;
      hidden.value = "";
      if (propose) propose.checked = true;
    } else {
      visible.value = li.dataset.name;
      hidden.value = li.dataset.key;
      if (propose) propose.checked = false;
    }
    li.parentElement.innerHTML = "";
    visible.setAttribute("aria-expanded", "false");
    visible.focus();
  }

  function moveActive(list, step) {
    const items = Array.from(list.querySelectorAll('li[role="option"]'));
    if (!items.length) return;
    let i = items.findIndex((li) => li.getAttribute("aria-selected") === "true");
    if (i >= 0) items[i].removeAttribute("aria-selected");
    i = (i + step + items.length) % items.length;
    items[i].setAttribute("aria-selected", "true");
    items[i].scrollIntoView({ block: "nearest" });
    list.previousElementSibling.previousElementSibling.setAttribute("aria-activedescendant", items[i].id);
  }

  function comboKey(ev) {
    const input = ev.target;
    const field = fieldOf(input);
    const list = field.querySelector(".options");
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      moveActive(list, ev.key === "ArrowDown" ? 1 : -1);
    } else if (ev.key === "Enter") {
      const active = list.querySelector('li[aria-selected="true"]');
      if (active) { ev.preventDefault(); choose(active); }
    } else if (ev.key === "Escape" && list.children.length) {
      ev.preventDefault(); ev.stopPropagation();
      list.innerHTML = "";
    }
  }

  /* ---- hotkeys ---- */
  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(el.type)));
  }

  function onKey(ev) {
    if (!isOpen()) return;
    if (ev.target.matches && ev.target.matches('.actor-field input[type="search"]')) {
      comboKey(ev);
      if (ev.defaultPrevented) return;
    }
    if (ev.key === "Escape") { ev.preventDefault(); closeForm(); return; }
    if (typing(ev.target) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (/^[1-9]$/.test(ev.key)) {
      const radio = form().querySelector('input[data-hotkey="' + ev.key + '"]');
      if (radio) { ev.preventDefault(); radio.checked = true; radio.focus(); }
    } else if (ev.key === "Enter" && ev.target.tagName !== "BUTTON" && ev.target.tagName !== "A") {
      ev.preventDefault();
      form().requestSubmit();
    }
  }

  function onClick(ev) {
    const option = ev.target.closest('.options li[role="option"]');
    if (option) { choose(option); return; }
    if (ev.target.closest("[data-close]")) { closeForm(); return; }
    if (ev.target.closest("[data-open-form]")) { openForKeyboard(); return; }
    const edit = ev.target.closest('#stance-list a[href$="/edit"]');
    if (edit) { returnTo = "#" + edit.closest("li").id + ' a[href$="/edit"]'; return; }
    const mention = ev.target.closest(".seg.mention");
    if (mention && isOpen() && (window.getSelection().isCollapsed || isClick(ev))) {
      const field = form().querySelector('.actor-field[data-field="target"]');
      field.querySelector('input[name="target"]').value = mention.dataset.actor;
      field.querySelector('input[type="search"]').value = mention.dataset.actorName;
      const propose = field.querySelector('input[name="propose_target"]');
      if (propose) propose.checked = false;
    }
  }

  /* A click inside a selection leaves it standing until after the click event, so a
   * click on a mention is told from a drag by how far the pointer moved. */
  let downAt = null;
  function isClick(ev) {
    return !!downAt && Math.abs(ev.clientX - downAt.x) < 4 && Math.abs(ev.clientY - downAt.y) < 4;
  }

  function onInput(ev) {
    if (ev.target.id === "quote" && ev.target.form) {
      // The typed words replace any mouse selection; the server finds their offsets.
      // The field's own form: the reviewer's gold form has no #stance-form (bug 4).
      const f = ev.target.form;
      ["start", "end", "text"].forEach((name) => { if (f.elements[name]) f.elements[name].value = ""; });
      showSelected("");
      showMatch(ev.target.value);
    }
    // Typing in an actor field forgets the earlier choice, so a stale key is never sent.
    if (ev.target.matches('.actor-field input[type="search"]')) {
      const field = fieldOf(ev.target);
      field.querySelector('input[name="' + field.dataset.field + '"]').value = "";
      ev.target.setAttribute("aria-expanded", "true");
    }
  }

  /* ---- htmx integration ---- */
  function flash(html, kind) {
    const box = document.getElementById("flash");
    if (!box) return;
    box.innerHTML = "";
    const p = document.createElement("p");
    p.className = "flash flash-" + kind;
    p.innerHTML = html;
    box.appendChild(p);
  }

  /** After the form slot settled (htmx settles the class list only now): place the form and
   * focus its first error or label, or, once closed, go back to where the annotator was. */
  function afterSettle(ev) {
    const f = form();
    if (!ev.detail.target || ev.detail.target.id !== "stance-form-slot" || !f) return;
    if (!f.classList.contains("open")) { pending(null); restoreFocus(); return; }
    const id = f.action.match(/stances\/(\d+)$/);
    const mark = id && document.querySelector('mark[data-stances~="' + id[1] + '"]');
    if (mark) {
      const r = mark.getBoundingClientRect();
      if (r.top < 0 || r.bottom > window.innerHeight) mark.scrollIntoView({ block: "center" });
      anchor = () => mark.getBoundingClientRect();
    }
    if (anchor) place(anchor()); // again: an error message may have made the form taller
    showSelected(f.elements.text.value);
    const err = f.querySelector('[role="alert"]');
    const bad = f.querySelector('[aria-invalid="true"]');
    const first = err ? f.querySelector("input:not([type=hidden]), textarea") : null;
    (bad || first || f.querySelector('input[name="label"]:checked, input[name="label"]')).focus({ preventScroll: true });
  }

  /** After a create the server leaves the form alone (HX-Reswap: none): empty and close it.
   * Values are cleared one by one: reset() would restore a re-rendered form's old values. */
  function clearForm() {
    const f = form();
    if (!f || f.dataset.mode !== "create") return;
    for (const el of f.elements) {
      if (el.type === "radio" || el.type === "checkbox") el.checked = false;
      else if (el.name !== "csrf_token" && el.tagName !== "BUTTON") el.value = "";
    }
    f.querySelectorAll(".error").forEach((e) => e.remove());
    f.querySelectorAll(".options").forEach((o) => { o.innerHTML = ""; });
    showSelected("");
    showMatch("");
    f.classList.remove("open");
    pending(null);
    restoreFocus();
  }

  /** Keyboard path: open the empty form with the "exact words" field focused. */
  function openForKeyboard() {
    const f = form();
    if (!f) return;
    const button = document.querySelector("[data-open-form]");
    remember(button);
    f.dataset.source = "words";
    f.querySelector(".by-words").hidden = false;
    f.classList.add("open");
    anchor = button ? () => button.getBoundingClientRect() : null;
    if (anchor) place(anchor());
    showMatch(f.querySelector("#quote").value);
    f.querySelector("#quote").focus({ preventScroll: true });
  }

  /** Keyboard path: say where the typed words occur (the server takes the same first match). */
  function showMatch(words) {
    const out = document.getElementById("quote-match");
    if (!out) return;
    if (!words) { out.textContent = ""; pending(null); return; }
    const full = fullText().join("");
    const at = full.indexOf(words);
    if (at < 0) { out.textContent = "Not found in the text."; pending(null); return; }
    const start = cpLen(full.slice(0, at)), end = start + cpLen(words);
    const count = full.split(words).length - 1;
    out.textContent = "Matches characters " + start + "–" + end +
      (count > 1 ? " (the first of " + count + " occurrences)" : "") + ".";
    pending(rangeOf(at, at + words.length));
  }

  /** A DOM range over UTF-16 offsets [from, to) of the joined segment texts. */
  function rangeOf(from, to) {
    const range = document.createRange();
    let acc = 0, started = false;
    for (const seg of textEl().querySelectorAll(".seg")) {
      const n = seg.textContent.length, node = seg.firstChild;
      if (node && !started && from <= acc + n) { range.setStart(node, from - acc); started = true; }
      if (node && started && to <= acc + n) { range.setEnd(node, to - acc); return range; }
      acc += n;
    }
    return null;
  }

  function init() {
    document.documentElement.classList.add("js");
    const root = textEl();
    if (root) {
      const slot = document.getElementById("stance-form-slot");
      if (slot) { document.body.appendChild(slot); slot.classList.add("floating-slot"); }
      document.addEventListener("mouseup", () => setTimeout(onSelect, 0));
      root.addEventListener("keyup", (ev) => { if (ev.shiftKey) onSelect(); });
      if (form() && form().classList.contains("open")) place(root.getBoundingClientRect());
    }
    document.addEventListener("keydown", onKey);
    document.addEventListener("click", onClick);
    document.addEventListener("mousedown", (ev) => { downAt = { x: ev.clientX, y: ev.clientY }; });
    document.addEventListener("input", onInput);
    document.body.addEventListener("htmx:afterSwap", () => { cache = null; });
    document.body.addEventListener("htmx:afterSettle", afterSettle);
    document.body.addEventListener("stance-created", clearForm);
    document.body.addEventListener("htmx:responseError", (ev) => {
      flash(ev.detail.xhr.responseText || "The server refused the request.", "error");
    });
    document.body.addEventListener("htmx:sendError", () => {
      flash("Could not reach the server. Nothing was lost: your input is still in the form; try again.", "error");
    });
  }

  window.stanceAnnotator = { cpLen, pointOffset, selectionSpan };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
