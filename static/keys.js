/* Page hotkeys: one registry, one dispatcher and one "?" overlay that lists every key.
 *
 *   window.annotatorKeys.register(key, description, handler)
 *
 * ``key`` is a single key as KeyboardEvent.key names it ("j", "?", "Escape"), optionally
 * with "Ctrl+" (Ctrl or ⌘); letters match either case. A registration without a handler
 * only documents a key that another script handles (the form's 1–9, Enter, Esc). Keys never
 * fire while the user types in a field, nor while the stance form is open (it owns the
 * keyboard then), nor with Alt. A later registration of the same key replaces the earlier.
 */
(function () {
  "use strict";

  const entries = [];
  let dialog = null;

  function norm(key) {
    const ctrl = /^ctrl\+/i.test(key);
    let k = ctrl ? key.slice(5) : key;
    if (k.length === 1) k = k.toLowerCase();
    return (ctrl ? "ctrl+" : "") + k;
  }

  function register(key, description, handler) {
    const entry = { name: norm(key), key, description, handler: handler || null };
    const i = entries.findIndex((e) => e.name === entry.name);
    if (i >= 0) entries[i] = entry;
    else entries.push(entry);
    if (dialog && dialog.open) fill();
    return entry;
  }

  function list() { return entries.map(({ key, description }) => ({ key, description })); }

  function typing(el) {
    if (!el || !el.closest) return false;
    if (el.isContentEditable || el.closest("textarea, select")) return true;
    return el.tagName === "INPUT" && !["radio", "checkbox", "button", "submit", "reset"].includes(el.type);
  }

  function onKey(ev) {
    if (ev.defaultPrevented || ev.altKey || ev.isComposing || typing(ev.target)) return;
    // The open stance form owns the keyboard (1–9, Enter, Esc), wherever focus is: a J
    // pressed beside a half-made stance must not leave the page.
    if (document.querySelector("#stance-form.open") || (ev.target.closest && ev.target.closest("dialog"))) return;
    const name = (ev.ctrlKey || ev.metaKey ? "ctrl+" : "") + (ev.key.length === 1 ? ev.key.toLowerCase() : ev.key);
    const entry = entries.find((e) => e.name === name && e.handler);
    if (!entry) return;
    ev.preventDefault();
    entry.handler(ev);
  }

  /* ---- the "?" overlay: a modal dialog (Esc closes it, focus returns by itself) ---- */
  function fill() {
    const dl = dialog.querySelector("dl");
    dl.replaceChildren();
    for (const e of entries) {
      const dt = document.createElement("dt");
      for (const [i, part] of e.key.split("+").entries()) {
        if (i) dt.append("+");
        const kbd = document.createElement("kbd");
        kbd.textContent = part;
        dt.append(kbd);
      }
      const dd = document.createElement("dd");
      dd.textContent = e.description;
      dl.append(dt, dd);
    }
  }

  function openHelp() {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "keys-help";
      dialog.setAttribute("aria-labelledby", "keys-help-h");
      const h = document.createElement("h2");
      h.id = "keys-help-h";
      h.textContent = "Keyboard shortcuts";
      const close = document.createElement("button");
      close.type = "button";
      close.textContent = "Close";
      close.addEventListener("click", () => dialog.close());
      dialog.append(h, document.createElement("dl"), close);
      document.body.append(dialog);
    }
    fill();
    dialog.showModal();
  }

  register("?", "Show this list of keys", openHelp);
  document.addEventListener("keydown", onKey);
  document.addEventListener("click", (ev) => { if (ev.target.closest("[data-keys-help]")) openHelp(); });
  document.querySelectorAll("[data-keys-help]").forEach((b) => { b.hidden = false; });
  window.annotatorKeys = { register, list, openHelp };
})();
