/* stance-annotator relations: arcs over the text and the link picker (issue 15).
 * - draws every relation as an arc between its two stances' highlights, with the type's name,
 *   in one SVG laid over #text (brat/INCEpTION style); all layout reads first, then one write;
 *   redrawn in the next animation frame when the text or the list changes or #text resizes;
 * - the picker: choose a stance (click its highlight or its list item), press R or "Link",
 *   click the other stance or choose it from a listbox (arrow keys), pick the type by its
 *   hotkey, Enter. It fills the server-rendered relation form, which htmx submits;
 * - lists each stance's relations under its list item ("supports → “…”").
 * Without this script the relation list and the "Link to…" page still work (plain forms).
 */
(function () {
  "use strict";

  const SVGNS = "http://www.w3.org/2000/svg";
  let svg = null;
  let frame = 0;
  let fullRedraw = true;
  let observer = null;
  let source = null; // the chosen stance id (a string)
  let mode = null; // null, "target" (choose the other end) or "type" (choose the type)
  let blank = null; // a copy of the empty "new relation" form

  const $ = (sel, root) => (root || document).querySelector(sel);
  const textEl = () => document.getElementById("text");
  const slot = () => document.getElementById("relation-form-slot");
  const relForm = () => document.getElementById("relation-form");
  const section = () => document.getElementById("relations");
  const editable = () => !!section() && section().dataset.editable === "true";

  function escapeXml(s) {
    return String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  }

  /* ---- arcs ---- */

  function schedule(full) {
    if (full) fullRedraw = true;
    if (!frame) frame = requestAnimationFrame(redraw);
  }

  function redraw() {
    frame = 0;
    if (fullRedraw) { fullRedraw = false; decorate(); }
    draw();
  }

  function ensureSvg(root) {
    if (svg && svg.isConnected && svg.previousElementSibling === root) return;
    if (svg) svg.remove();
    svg = document.createElementNS(SVGNS, "svg");
    svg.id = "rel-arcs";
    svg.setAttribute("class", "rel-arcs");
    svg.setAttribute("aria-hidden", "true");
    root.after(svg);
  }

  /** The relation items with both ends, as plain data (read once per frame). */
  function relations() {
    return Array.from(document.querySelectorAll("#relation-list li.relation[data-from]"), (li) => ({
      id: li.id.slice("relation-".length), from: li.dataset.from, to: li.dataset.to,
      name: li.dataset.name || li.dataset.type, color: li.dataset.color || "#555",
    }));
  }

  /** The highlight elements of the stances in ``wanted``, in text order: one pass over marks. */
  function marksOf(root, wanted) {
    const found = new Map();
    if (!wanted.size) return found;
    for (const mark of root.querySelectorAll("mark.seg[data-stances]")) {
      for (const id of mark.dataset.stances.split(" ")) {
        if (!wanted.has(id)) continue;
        let list = found.get(id);
        if (!list) found.set(id, (list = []));
        list.push(mark);
      }
    }
    return found;
  }

  /** Where an arc meets a stance: the top middle of the stance's first line box. */
  function anchor(marks, ox, oy) {
    let first = null;
    let left = Infinity;
    let right = -Infinity;
    const line = [];
    outer: for (const mark of marks) {
      for (const r of mark.getClientRects()) {
        if (r.width < 1) continue;
        if (!first) first = r;
        if (Math.abs(r.top - first.top) > 2) break outer; // the first line only
        left = Math.min(left, r.left);
        right = Math.max(right, r.right);
        line.push(r);
      }
    }
    if (!first) return null;
    return { x: onText(line, (left + right) / 2) - ox, y: first.top - oy, left: left - ox, right: right - ox };
  }

  /** The x nearest to ``x`` that lies over the span's own text: a nested stance's label tag
   * may sit between two of its segments, and an arc must not end on that tag. */
  function onText(rects, x) {
    let best = x;
    let gap = Infinity;
    for (const r of rects) {
      const on = Math.min(Math.max(x, r.left), r.right);
      if (Math.abs(on - x) < gap) { gap = Math.abs(on - x); best = on; }
    }
    return best;
  }

  /** Stack arcs that share a line and overlap horizontally: short ones low, long ones high. */
  function levels(arcs) {
    arcs.sort((p, q) => Math.abs(p.x2 - p.x1) - Math.abs(q.x2 - q.x1));
    const placed = [];
    for (const arc of arcs) {
      const lo = Math.min(arc.x1, arc.x2);
      const hi = Math.max(arc.x1, arc.x2);
      let level = 0;
      for (const o of placed) {
        if (Math.abs(o.top - arc.top) < 4 && o.lo < hi + 20 && lo < o.hi + 20) {
          level = Math.max(level, o.level + 1);
        }
      }
      arc.level = Math.min(level, 4);
      arc.lo = lo; arc.hi = hi;
      placed.push(arc);
    }
  }

  function draw() {
    const root = textEl();
    if (!root) return;
    const rels = relations();
    ensureSvg(root);
    root.classList.toggle("has-arcs", rels.length > 0);
    // Reads: the overlay's box and every end's line boxes, in one layout.
    const wanted = new Set();
    for (const r of rels) { wanted.add(r.from); wanted.add(r.to); }
    const box = { left: root.offsetLeft, top: root.offsetTop, w: root.offsetWidth, h: root.offsetHeight };
    const origin = root.getBoundingClientRect();
    const anchors = new Map();
    for (const [id, marks] of marksOf(root, wanted)) anchors.set(id, anchor(marks, origin.left, origin.top));
    // Layout in memory.
    const arcs = [];
    for (const r of rels) {
      const a = anchors.get(r.from);
      const b = anchors.get(r.to);
      if (!a || !b) continue;
      let x1 = a.x;
      let x2 = b.x;
      if (Math.abs(x2 - x1) < 14) { // overlapping spans: keep the two ends apart
        const room = (lim, x, d) => Math.max(lim.left + 2, Math.min(lim.right - 2, x + d));
        x1 = room(a, x1, x2 >= x1 ? -7 : 7);
        x2 = room(b, x2, x2 >= a.x ? 7 : -7);
      }
      arcs.push({ ...r, x1, y1: a.y, x2, y2: b.y, top: Math.min(a.y, b.y) });
    }
    levels(arcs);
    // One write.
    svg.style.left = box.left + "px";
    svg.style.top = box.top + "px";
    svg.setAttribute("width", box.w);
    svg.setAttribute("height", box.h);
    svg.innerHTML = markup(arcs);
  }

  function markup(arcs) {
    const colors = new Map();
    const parts = [];
    for (const arc of arcs) {
      if (!colors.has(arc.color)) colors.set(arc.color, colors.size);
      const h = 12 + 8 * arc.level;
      const c = arc.top - (h * 4) / 3;
      const d = `M${arc.x1.toFixed(1)},${arc.y1.toFixed(1)} C${arc.x1.toFixed(1)},${c.toFixed(1)} ` +
        `${arc.x2.toFixed(1)},${c.toFixed(1)} ${arc.x2.toFixed(1)},${arc.y2.toFixed(1)}`;
      const mx = ((arc.x1 + arc.x2) / 2).toFixed(1);
      const my = (arc.top - h).toFixed(1);
      const color = escapeXml(arc.color);
      parts.push(
        `<g class="rel-arc" data-relation="${escapeXml(arc.id)}" data-from="${escapeXml(arc.from)}" data-to="${escapeXml(arc.to)}">` +
        `<path d="${d}" stroke="${color}" marker-end="url(#rel-arrow-${colors.get(arc.color)})"/>` +
        `<text x="${mx}" y="${my}" fill="${color}">${escapeXml(arc.name)}</text></g>`,
      );
    }
    const defs = Array.from(colors, ([color, i]) =>
      `<marker id="rel-arrow-${i}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" ` +
      `orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="${escapeXml(color)}"/></marker>`);
    return `<defs>${defs.join("")}</defs>${parts.join("")}`;
  }

  /* ---- the stance list: each stance's relations, and the chips' colours ---- */

  function decorate() {
    const list = document.getElementById("stance-list");
    const byStance = new Map();
    const add = (id, line) => { if (!byStance.has(id)) byStance.set(id, []); byStance.get(id).push(line); };
    for (const li of document.querySelectorAll("#relation-list li.relation[data-from]")) {
      const chip = li.querySelector(".rel-chip");
      if (chip && li.dataset.color) chip.style.background = li.dataset.color; // CSSOM: allowed by the CSP
      const ends = li.querySelectorAll("q.covered");
      const name = li.dataset.name || li.dataset.type;
      add(li.dataset.from, [li.id, name + " → ", ends[1] ? ends[1].textContent : ""]);
      add(li.dataset.to, [li.id, "← " + name + " ", ends[0] ? ends[0].textContent : ""]);
    }
    if (list) {
      // Only the items whose lines changed are touched: a steady list costs no layout.
      for (const ul of list.querySelectorAll("ul.stance-rels")) {
        const item = ul.closest("li.stance");
        if (!item || !byStance.has(item.id.slice("stance-".length))) ul.remove();
      }
      for (const [id, lines] of byStance) {
        const item = document.getElementById("stance-" + id);
        if (!item || item.classList.contains("deleted")) continue;
        const sig = JSON.stringify(lines);
        const old = item.querySelector(":scope > ul.stance-rels");
        if (old && old.dataset.sig === sig) continue;
        const ul = document.createElement("ul");
        ul.className = "stance-rels";
        ul.dataset.sig = sig;
        for (const [rid, words, other] of lines) {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = "#" + rid;
          a.textContent = words;
          const q = document.createElement("q");
          q.textContent = other;
          a.appendChild(q);
          li.appendChild(a);
          ul.appendChild(li);
        }
        if (old) old.replaceWith(ul);
        else item.appendChild(ul);
      }
    }
    if (observer) observer.takeRecords(); // our own changes need no redraw
  }

  /* ---- choosing stances ---- */

  function stanceText(id) {
    const li = document.getElementById("stance-" + id);
    const q = li && li.querySelector("q.covered");
    return q ? q.textContent : "#" + id;
  }

  function firstRect(id) {
    const mark = textEl() && textEl().querySelector('mark.seg[data-stances~="' + id + '"]');
    if (mark) return mark.getBoundingClientRect();
    const li = document.getElementById("stance-" + id);
    return li ? li.getBoundingClientRect() : null;
  }

  function mark(id, cls, on) {
    if (!id) return;
    document.querySelectorAll('mark.seg[data-stances~="' + id + '"]').forEach((m) => m.classList.toggle(cls, on));
    const li = document.getElementById("stance-" + id);
    if (li) li.classList.toggle(cls, on);
  }

  function chooseSource(id) {
    mark(source, "rel-source", false);
    source = id;
    mark(source, "rel-source", !!id);
    const button = document.getElementById("rel-link-btn");
    if (!button) return;
    const rect = id && editable() ? firstRect(id) : null;
    button.hidden = !rect;
    if (rect) {
      button.style.left = Math.max(4, rect.left + window.scrollX) + "px";
      button.style.top = Math.max(4, rect.top + window.scrollY - 30) + "px";
      button.textContent = "Link (R)";
    }
  }

  /** The stance a click or key is about: a highlight's innermost stance or a list item. */
  function stanceAt(el, skip) {
    const seg = el.closest && el.closest("#text mark.seg[data-stances]");
    if (seg) return seg.dataset.stances.split(" ").find((s) => s !== skip) || null;
    const li = el.closest && el.closest("#stance-list li.stance:not(.deleted)");
    return li ? li.id.slice("stance-".length) : null;
  }

  /* ---- the picker ---- */

  function place(rect) {
    const s = slot();
    if (!s || !rect) return;
    const width = 360;
    const docWidth = document.documentElement.clientWidth;
    s.style.left = Math.max(8, Math.min(rect.left + window.scrollX, window.scrollX + docWidth - width - 8)) + "px";
    s.style.top = rect.bottom + window.scrollY + 8 + "px";
  }

  function freshForm() {
    const f = relForm();
    if (f && f.dataset.mode === "create" && f.classList.contains("needs-js")) return f;
    if (!blank) return null;
    slot().replaceChildren(blank.cloneNode(true));
    if (window.htmx) window.htmx.process(slot());
    return relForm();
  }

  function startLink(id, keyboard) {
    if (!editable() || !id) return;
    const f = freshForm();
    if (!f) return;
    chooseSource(id);
    document.getElementById("rel-link-btn").hidden = true;
    f.querySelectorAll(".error, [role=alert]").forEach((e) => e.remove());
    f.elements.from_stance.value = id;
    f.elements.to_stance.value = "";
    f.querySelectorAll('input[name="type"]').forEach((r) => { r.checked = false; });
    if (f.elements.note) f.elements.note.value = "";
    fillEnds();
    mode = "target";
    const s = slot();
    s.classList.add("open", "picking");
    s.classList.remove("typing");
    place(firstRect(id));
    buildTargets(id);
    const box = document.getElementById("rel-targets");
    if (keyboard && box) { box.focus(); move(box, 1); }
  }

  function fillEnds() {
    const f = relForm();
    if (!f || !f.elements.from_stance || f.elements.from_stance.type !== "hidden") return;
    const from = $("#rel-from-text", f);
    const to = $("#rel-to-text", f);
    if (from) from.textContent = f.elements.from_stance.value ? stanceText(f.elements.from_stance.value) : "";
    if (to) to.textContent = f.elements.to_stance.value ? stanceText(f.elements.to_stance.value) : "…";
  }

  function buildTargets(skip) {
    const old = document.getElementById("rel-targets-box");
    if (old) old.remove();
    const wrap = document.createElement("div");
    wrap.id = "rel-targets-box";
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.id = "rel-targets-hint";
    hint.textContent = "Click the other stance in the text, or choose it here (↑ ↓, Enter). Esc cancels.";
    const box = document.createElement("ul");
    box.id = "rel-targets";
    box.className = "options rel-targets";
    box.setAttribute("role", "listbox");
    box.setAttribute("tabindex", "0");
    box.setAttribute("aria-label", "Link to which stance?");
    box.setAttribute("aria-describedby", "rel-targets-hint");
    for (const li of document.querySelectorAll("#stance-list li.stance:not(.deleted)")) {
      const id = li.id.slice("stance-".length);
      if (id === skip) continue;
      const option = document.createElement("li");
      option.id = "rel-opt-" + id;
      option.setAttribute("role", "option");
      option.dataset.stance = id;
      const chip = li.querySelector(".chip");
      option.textContent = (chip ? chip.textContent + ": " : "") + stanceText(id);
      box.appendChild(option);
    }
    wrap.append(hint, box);
    slot().prepend(wrap);
  }

  function move(box, step) {
    const items = Array.from(box.querySelectorAll('li[role="option"]'));
    if (!items.length) return;
    let i = items.findIndex((li) => li.getAttribute("aria-selected") === "true");
    if (i >= 0) items[i].removeAttribute("aria-selected");
    i = i < 0 ? 0 : (i + step + items.length) % items.length;
    items[i].setAttribute("aria-selected", "true");
    items[i].scrollIntoView({ block: "nearest" });
    box.setAttribute("aria-activedescendant", items[i].id);
    mark(box.dataset.active, "rel-target", false);
    box.dataset.active = items[i].dataset.stance;
    mark(box.dataset.active, "rel-target", true);
  }

  function chooseTarget(id) {
    const f = relForm();
    if (!f || id === source) return;
    const box = document.getElementById("rel-targets");
    if (box) mark(box.dataset.active, "rel-target", false);
    f.elements.to_stance.value = id;
    fillEnds();
    mode = "type";
    const wrap = document.getElementById("rel-targets-box");
    if (wrap) wrap.remove();
    slot().classList.remove("picking");
    slot().classList.add("typing");
    const radio = f.querySelector('input[name="type"]:checked') || f.querySelector('input[name="type"]');
    if (radio) radio.focus();
  }

  function closePicker() {
    const s = slot();
    const box = document.getElementById("rel-targets");
    if (box) mark(box.dataset.active, "rel-target", false);
    const wrap = document.getElementById("rel-targets-box");
    if (wrap) wrap.remove();
    if (s) s.classList.remove("open", "picking", "typing");
    const back = source;
    const was = mode;
    mode = null;
    chooseSource(null);
    if (!was) return;
    const li = back && document.getElementById("stance-" + back);
    const link = li && li.querySelector("a.link-to");
    if (link) link.focus({ preventScroll: true });
    else if (textEl()) textEl().focus({ preventScroll: true });
  }

  /* ---- events ---- */

  function typing(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(el.type)));
  }

  function stanceFormOpen() {
    const f = document.getElementById("stance-form");
    return !!f && f.classList.contains("open");
  }

  function onClick(ev) {
    const s = slot();
    if (s && s.classList.contains("notice") && !ev.target.closest("#relation-form-slot")) {
      s.classList.remove("open", "notice");
    }
    const link = ev.target.closest("a.link-to[data-link-from]");
    if (link && editable()) {
      ev.preventDefault();
      ev.stopPropagation();
      startLink(link.dataset.linkFrom, ev.detail === 0); // detail 0: Enter or a script, not a mouse
      return;
    }
    if (ev.target.closest("#rel-link-btn")) { startLink(source, false); return; }
    if (ev.target.closest("[data-rel-cancel]")) { ev.preventDefault(); closePicker(); return; }
    const option = ev.target.closest('#rel-targets li[role="option"]');
    if (option) { chooseTarget(option.dataset.stance); return; }
    if (ev.target.closest("#relation-form-slot") || stanceFormOpen()) return;
    if (!window.getSelection().isCollapsed) return;
    if (ev.target.closest("a, button, form, input, textarea, select, label, summary")) return;
    if (mode === "target") {
      const id = stanceAt(ev.target, source);
      if (id && id !== source) chooseTarget(id);
      return;
    }
    if (mode) return;
    chooseSource(stanceAt(ev.target));
  }

  function onKey(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (mode && ev.key === "Escape") { ev.preventDefault(); ev.stopPropagation(); closePicker(); return; }
    if (ev.target.id === "rel-targets") {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        move(ev.target, ev.key === "ArrowDown" ? 1 : -1);
      } else if (ev.key === "Enter" && ev.target.dataset.active) {
        ev.preventDefault();
        chooseTarget(ev.target.dataset.active);
      }
      return;
    }
    if (mode === "type" && ev.target.closest && ev.target.closest("#relation-form")) {
      if (typing(ev.target)) return;
      const key = ev.key.length === 1 ? ev.key.toLowerCase() : "";
      const radio = key && relForm().querySelector('input[data-rel-hotkey="' + key + '"]');
      if (radio) { ev.preventDefault(); radio.checked = true; radio.focus(); return; }
      if (ev.key === "Enter" && ev.target.tagName !== "BUTTON" && ev.target.tagName !== "A") {
        ev.preventDefault();
        relForm().requestSubmit();
      }
      return;
    }
    if (mode || stanceFormOpen() || typing(ev.target) || !editable()) return;
    if (ev.key === "r" || ev.key === "R") {
      const id = (ev.target.closest && stanceAt(ev.target)) || source;
      if (id) { ev.preventDefault(); startLink(id, !source || ev.target !== document.body); }
    }
  }

  /** The slot floats over the page (like the stance form's); a refreshed section brings a new one. */
  function adoptSlot() {
    const inside = section() && section().querySelector("#relation-form-slot");
    if (inside) {
      document.querySelectorAll("body > #relation-form-slot").forEach((s) => s.remove());
      document.body.appendChild(inside);
      inside.classList.add("floating-rel");
    }
    const f = relForm();
    if (f && f.dataset.mode === "create" && f.classList.contains("needs-js") && !blank) blank = f.cloneNode(true);
  }

  function afterSwap(ev) {
    const target = ev.detail.target;
    if (target && target.id === "relation-form-slot") {
      const xhr = ev.detail.xhr;
      if (xhr && /relation-/.test(xhr.getResponseHeader("HX-Trigger") || "")) { closePicker(); return; }
      const s = slot();
      if (!relForm()) { // a refusal without a form (409 on delete): show it where the list is
        s.classList.add("open", "notice");
        place(document.getElementById("relation-list").getBoundingClientRect());
        return;
      }
      s.classList.add("open");
      s.classList.remove("picking");
      const f = relForm();
      fillEnds();
      if (f.dataset.mode === "edit") {
        mode = "type";
        s.classList.add("typing");
        const path = (ev.detail.pathInfo && ev.detail.pathInfo.requestPath) ||
          (ev.detail.requestConfig && ev.detail.requestConfig.path) || "";
        const id = path.match(/relations\/(\d+)\/edit/);
        const li = id && document.getElementById("relation-" + id[1]);
        if (li) place(li.getBoundingClientRect());
      } else if (f.elements.to_stance && f.elements.to_stance.value) {
        mode = "type";
        s.classList.add("typing");
      }
      const bad = f.querySelector('[aria-invalid="true"]') || f.querySelector('input[name="type"]:checked') ||
        f.querySelector('input[name="type"]');
      if (bad) bad.focus();
    }
  }

  function refreshSection() {
    const s = section();
    if (s && window.htmx) window.htmx.ajax("GET", s.dataset.url, { target: "#relations", swap: "outerHTML" });
  }

  function watch(root) {
    observer = new MutationObserver((records) => {
      for (const r of records) {
        const t = r.target;
        if (t.closest && (t.closest("#text") || t.closest("#relation-list") || t.closest("#stance-list") ||
            (t.querySelector && t.querySelector(":scope > #relations")))) { schedule(true); return; }
      }
    });
    observer.observe(document.getElementById("main") || document.body, { childList: true, subtree: true });
    new ResizeObserver(() => schedule(false)).observe(root);
    window.addEventListener("resize", () => schedule(false));
    if (document.fonts) document.fonts.ready.then(() => schedule(false));
  }

  function init() {
    const root = textEl();
    if (!root || !section()) return;
    adoptSlot();
    const button = document.createElement("button");
    button.type = "button";
    button.id = "rel-link-btn";
    button.className = "rel-link-btn";
    button.hidden = true;
    document.body.appendChild(button);
    document.addEventListener("click", onClick, true);
    document.addEventListener("keydown", onKey, true);
    document.body.addEventListener("htmx:afterSwap", afterSwap);
    document.body.addEventListener("htmx:afterSettle", (ev) => {
      if (ev.detail.target && ev.detail.target.id === "relations") adoptSlot();
    });
    document.body.addEventListener("relation-created", () => { closePicker(); schedule(true); });
    document.body.addEventListener("relation-updated", () => { closePicker(); schedule(true); });
    for (const name of ["stance-deleted", "stance-restored"]) document.body.addEventListener(name, refreshSection);
    watch(root);
    schedule(true);
  }

  window.stanceRelations = { redraw: draw, decorate };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
