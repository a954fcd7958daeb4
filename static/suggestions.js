/* stance-annotator suggestions: draw the model's proposals on the text and drive them by key.
 * - each row of #suggestion-list carries its span in code points (data-start, data-end); the
 *   script draws dashed boxes for it in a layer of its own over #text, so the stance
 *   segments the server renders stay as they are;
 * - Tab / Shift+Tab move between suggestions (from the text, or from one to the next);
 *   A accepts, E accepts with changes (the stance form, filled in), X rejects, Esc goes back
 *   to the text; label, target, holder and score show on hover or focus;
 * - "Hide" hides them all, remembered per browser (localStorage).
 * The rows' buttons are real forms: everything also works without this script.
 */
(function () {
  "use strict";

  const HIDDEN = "annotator.suggestions.hidden";
  let drawn = []; // [{li, rects: [{x, y, w, h}], els: [div]}] in list order
  let pendingFocus = null; // the row to focus once the panel is redrawn after a decision
  let frame = 0;

  function textEl() { return document.getElementById("text"); }
  function listEl() { return document.getElementById("suggestion-list"); }
  function rows() { const l = listEl(); return l ? Array.from(l.querySelectorAll("li.sugg")) : []; }
  function formOpen() { const f = document.getElementById("stance-form"); return !!f && f.classList.contains("open"); }

  function isHidden() {
    try { return window.localStorage.getItem(HIDDEN) === "1"; } catch (e) { return false; }
  }

  function setHidden(hidden) {
    try { window.localStorage.setItem(HIDDEN, hidden ? "1" : "0"); } catch (e) { /* private mode */ }
    apply();
  }

  /* ---- code points -> DOM positions (segments hold their code-point start) ---- */
  function segments() {
    return Array.from(textEl().querySelectorAll(".seg")).map((el) => ({ el, start: Number(el.dataset.start) }));
  }

  function boundary(segs, cp) {
    let lo = 0, hi = segs.length - 1;
    while (lo < hi) { // the last segment starting at or before cp
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid].start <= cp) lo = mid; else hi = mid - 1;
    }
    const seg = segs[lo];
    const node = seg.el.firstChild;
    if (!node) return [seg.el, 0];
    let units = 0, left = cp - seg.start;
    for (const ch of node.data) { // a character outside the BMP is two UTF-16 units
      if (left-- <= 0) break;
      units += ch.length;
    }
    return [node, units];
  }

  /* ---- the layer ---- */
  function layer() {
    let el = document.getElementById("sugg-layer");
    if (!el) {
      el = document.createElement("div");
      el.id = "sugg-layer";
      el.className = "sugg-layer";
      el.setAttribute("aria-hidden", "true");
      textEl().appendChild(el);
    }
    return el;
  }

  function draw() {
    const root = textEl();
    if (!root) return;
    const box = layer();
    box.textContent = "";
    drawn = [];
    const items = rows();
    if (!items.length || isHidden()) return;
    const segs = segments();
    if (!segs.length) return;
    const origin = box.getBoundingClientRect();
    const frag = document.createDocumentFragment();
    const range = document.createRange();
    for (const li of items) {
      range.setStart(...boundary(segs, Number(li.dataset.start)));
      range.setEnd(...boundary(segs, Number(li.dataset.end)));
      const rects = lines(Array.from(range.getClientRects()).filter((r) => r.width > 0.5)
        .map((r) => ({ x: r.left - origin.left, y: r.top - origin.top, w: r.width, h: r.height })));
      const label = Array.from(li.classList).find((c) => c.startsWith("lbl-")) || "";
      const els = rects.map((r) => {
        const d = document.createElement("div");
        d.className = "sugg-box " + label;
        d.dataset.id = li.dataset.id;
        d.style.left = (r.x - 2) + "px";
        d.style.top = (r.y - 1) + "px";
        d.style.width = (r.w + 4) + "px";
        d.style.height = (r.h + 2) + "px";
        frag.appendChild(d);
        return d;
      });
      drawn.push({ li, rects, els });
    }
    box.appendChild(frag);
    const active = document.activeElement;
    if (active && active.matches && active.matches("li.sugg")) mark(active, "focused");
  }

  /** One box per line: a span over several segments has a rect per segment. */
  function lines(rects) {
    const out = [];
    for (const r of rects) {
      const last = out[out.length - 1];
      if (last && Math.abs(last.y - r.y) < 2 && r.x <= last.x + last.w + 1 && r.x + r.w >= last.x - 1) {
        const right = Math.max(last.x + last.w, r.x + r.w);
        last.x = Math.min(last.x, r.x);
        last.w = right - last.x;
        last.h = Math.max(last.h, r.h);
      } else out.push({ ...r });
    }
    return out;
  }

  function redraw() {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => { draw(); restoreFocus(); });
  }

  function entry(li) { return drawn.find((d) => d.li === li); }

  function mark(li, cls) {
    layer().querySelectorAll(".sugg-box." + cls).forEach((el) => el.classList.remove(cls));
    rows().forEach((r) => r.classList.remove(cls));
    if (!li) return;
    li.classList.add(cls);
    const e = entry(li);
    if (e) e.els.forEach((el) => el.classList.add(cls));
  }

  /* ---- the card: label, target, holder, score ---- */
  function card() {
    let el = document.getElementById("sugg-card");
    if (!el) {
      el = document.createElement("div");
      el.id = "sugg-card";
      el.className = "sugg-card";
      el.setAttribute("role", "tooltip");
      el.hidden = true;
      document.body.appendChild(el);
    }
    return el;
  }

  function showCard(li) {
    const el = card();
    const e = li && entry(li);
    if (!e || !e.rects.length) { el.hidden = true; return; }
    const text = (sel) => { const el = li.querySelector(sel); return el ? el.textContent : ""; };
    const lines = [text(".chip") + (text(".t") ? " → " + text(".t") : ""),
      (text(".h") ? "holder " + text(".h") + " · " : "") + text(".score")];
    if (document.getElementById("suggestions").dataset.editable === "true") lines.push("A accept · E edit · X reject");
    el.textContent = "";
    lines.forEach((line, i) => {
      const p = document.createElement(i ? "span" : "strong");
      p.textContent = line;
      el.appendChild(p);
    });
    const origin = layer().getBoundingClientRect();
    const last = e.rects[e.rects.length - 1];
    el.style.left = (origin.left + window.scrollX + last.x) + "px";
    el.style.top = (origin.top + window.scrollY + last.y + last.h + 6) + "px";
    el.hidden = false;
  }

  /* ---- focus and keys ---- */
  function focusRow(li) {
    if (!li) return;
    li.focus({ preventScroll: true });
    const e = entry(li);
    if (e && e.els.length) e.els[0].scrollIntoView({ block: "nearest" });
    li.scrollIntoView({ block: "nearest" });
    mark(li, "focused");
    showCard(li);
  }

  function restoreFocus() {
    if (pendingFocus === null) return;
    const wanted = document.getElementById(pendingFocus);
    pendingFocus = null;
    if (formOpen()) return;
    const next = wanted || rows()[0];
    if (next) focusRow(next); else if (textEl()) textEl().focus();
  }

  /** Remember where focus goes once ``li`` is decided: the next row, else the previous one. */
  function remember(li) {
    const all = rows();
    const i = all.indexOf(li);
    const next = all[i + 1] || all[i - 1];
    pendingFocus = next ? next.id : "";
  }

  function act(li, what) {
    const control = li.querySelector('[data-act="' + what + '"]');
    if (!control) return false;
    remember(li);
    control.click();
    return true;
  }

  function onKey(ev) {
    if (!listEl() || isHidden() || formOpen() || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const active = document.activeElement;
    const li = active && active.matches && active.matches("li.sugg") ? active : null;
    if (ev.key === "Tab") {
      if (!li && active !== textEl()) return;
      const all = rows();
      const i = li ? all.indexOf(li) : -1;
      const to = ev.shiftKey ? all[i - 1] : all[i + 1];
      if (to) focusRow(to);
      else if (li && ev.shiftKey) { mark(null, "focused"); card().hidden = true; textEl().focus(); }
      else return; // past the last one: Tab goes on through the page
      ev.preventDefault();
      return;
    }
    if (!li) return;
    const key = ev.key.toLowerCase();
    const done = (key === "a" && act(li, "accept")) || (key === "x" && act(li, "reject")) ||
      (key === "e" && act(li, "edit"));
    if (done) ev.preventDefault();
    else if (ev.key === "Escape") { ev.preventDefault(); card().hidden = true; textEl().focus(); }
  }

  function onFocus(ev) {
    const li = ev.target.closest && ev.target.closest("li.sugg");
    mark(li, "focused");
    if (li) showCard(li); else card().hidden = true;
  }

  /* ---- hover over the text or a row ---- */
  function hit(x, y) {
    const origin = layer().getBoundingClientRect();
    const px = x - origin.left, py = y - origin.top;
    let best = null, area = Infinity;
    for (const d of drawn) {
      for (const r of d.rects) {
        if (px >= r.x && px <= r.x + r.w && py >= r.y && py <= r.y + r.h && r.w * r.h < area) {
          best = d.li; area = r.w * r.h;
        }
      }
    }
    return best;
  }

  let hovered = null;
  function hover(li) {
    if (li === hovered) return;
    hovered = li;
    mark(li, "hover");
    const focused = rows().find((r) => r === document.activeElement);
    if (li) showCard(li); else if (focused) showCard(focused); else card().hidden = true;
  }

  function onMove(ev) {
    if (!drawn.length) return;
    const x = ev.clientX, y = ev.clientY;
    cancelAnimationFrame(onMove.frame);
    onMove.frame = requestAnimationFrame(() => hover(hit(x, y)));
  }

  /* ---- wiring ---- */
  function apply() {
    const hidden = isHidden();
    const ws = document.getElementById("workspace");
    if (ws) ws.classList.toggle("sugg-off", hidden);
    const toggle = document.querySelector("[data-sugg-toggle]");
    if (toggle) {
      toggle.hidden = false;
      toggle.textContent = hidden ? "Show" : "Hide";
      toggle.setAttribute("aria-label", (hidden ? "Show" : "Hide") + " suggestions");
    }
    if (hidden) { card().hidden = true; mark(null, "focused"); }
    draw();
  }

  function onClick(ev) {
    if (ev.target.closest("[data-sugg-toggle]")) { setHidden(!isHidden()); return; }
    const control = ev.target.closest("li.sugg [data-act]");
    if (control) remember(control.closest("li.sugg"));
  }

  /** After the edit form arrives, put it by the suggestion it accepts. */
  function afterSwap(ev) {
    const slot = document.getElementById("stance-form-slot");
    const path = ev.detail.requestConfig && ev.detail.requestConfig.path;
    if (!slot || ev.detail.target !== slot || !/\/suggestions\/\d+\/edit$/.test(path || "")) return;
    const li = document.getElementById("sugg-" + path.match(/(\d+)\/edit$/)[1]);
    const e = li && entry(li);
    if (!e || !e.rects.length || !slot.classList.contains("floating-slot")) return;
    const origin = layer().getBoundingClientRect();
    const last = e.rects[e.rects.length - 1];
    const left = Math.max(8, Math.min(origin.left + window.scrollX + last.x,
      window.scrollX + document.documentElement.clientWidth - 388));
    slot.style.left = left + "px";
    slot.style.top = (origin.top + window.scrollY + last.y + last.h + 8) + "px";
    card().hidden = true;
  }

  function init() {
    const root = textEl();
    if (!root || !document.getElementById("suggestions")) return;
    apply();
    const watch = new MutationObserver(redraw); // paragraphs or the panel swapped by htmx
    watch.observe(root, { childList: true });
    watch.observe(document.getElementById("suggestions").parentElement, { childList: true });
    document.addEventListener("keydown", onKey);
    document.addEventListener("focusin", onFocus);
    document.addEventListener("click", onClick);
    root.addEventListener("mousemove", onMove);
    root.addEventListener("mouseleave", () => hover(null));
    document.addEventListener("mouseover", (ev) => {
      if (!ev.target.closest) return;
      if (ev.target.closest("#suggestion-list")) hover(ev.target.closest("li.sugg"));
      else if (hovered && !root.contains(ev.target)) hover(null);
    });
    document.body.addEventListener("htmx:afterSwap", afterSwap);
    window.addEventListener("resize", redraw);
    if (document.fonts) document.fonts.ready.then(redraw);
  }

  window.stanceSuggestions = { boundary, draw };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
