/* The statement page's own keys and links between the text and the list:
 * - Ctrl+Z undoes the last create, edit or delete of this page visit, through the same
 *   endpoints as the buttons (delete, restore, update at the stored version);
 * - J / K open the next / previous statement of the queue, D marks this one done;
 * - a highlight and its item in "My stances" light each other up on hover and focus.
 * Keys are registered with window.annotatorKeys (static/keys.js), which lists them under "?".
 */
(function () {
  "use strict";

  const ws = document.getElementById("workspace");
  if (!ws || !window.annotatorKeys) return;
  const keys = window.annotatorKeys;

  function say(message) {
    const box = document.getElementById("flash");
    if (!box) return;
    const p = document.createElement("p");
    p.className = "flash flash-info";
    p.textContent = message;
    box.replaceChildren(p);
  }

  /* ---- undo ---- */
  const done = []; // {kind: "create" | "update" | "delete", id, before?}
  let undoing = false;
  let editBefore = null; // the edit form's values as loaded: what an undone edit goes back to

  function csrf() { const el = document.querySelector('input[name="csrf_token"]'); return el ? el.value : ""; }
  function storedVersion(id) {
    const el = document.querySelector("#stance-" + id + ' input[name="version"]');
    return el ? el.value : null;
  }

  function record(kind) {
    return (ev) => {
      if (undoing || !ev.detail || ev.detail.id === undefined) return;
      done.push({ kind, id: ev.detail.id, before: kind === "update" ? editBefore : null });
    };
  }

  function undo() {
    const last = done.pop();
    if (!last) { say("Nothing to undo."); return; }
    const version = storedVersion(last.id);
    if (version === null) { say("Nothing to undo: that stance is no longer on the page."); return; }
    const base = ws.dataset.stancesUrl + "/" + last.id;
    let url = base + "/delete", values = { version, csrf_token: csrf() };
    if (last.kind === "delete") url = base + "/restore";
    if (last.kind === "update") {
      if (!last.before) { say("Nothing to undo."); return; }
      url = base;
      values = Object.assign({}, last.before, { version, csrf_token: csrf() });
    }
    undoing = true;
    const done_ = () => { undoing = false; };
    window.htmx.ajax("POST", url, { source: ws, target: "#stance-form-slot", values }).then(done_, done_);
  }

  document.body.addEventListener("stance-created", record("create"));
  document.body.addEventListener("stance-updated", record("update"));
  document.body.addEventListener("stance-deleted", record("delete"));
  document.body.addEventListener("htmx:afterSettle", (ev) => {
    const f = document.getElementById("stance-form");
    const stored = ev.detail.requestConfig && ev.detail.requestConfig.verb === "get" ||
      (ev.detail.xhr && ev.detail.xhr.status === 409); // the edit form as loaded, or the stored version
    if (stored && f && f.dataset.mode === "edit" && f.classList.contains("open")) {
      const values = {};
      for (const [k, v] of new FormData(f)) if (k !== "csrf_token" && k !== "version") values[k] = v;
      editBefore = values;
    }
  });

  /* ---- queue keys ---- */
  function markDone() {
    const button = document.querySelector('#state button[value="done"]');
    if (button) button.click();
    else say("This statement is not open, so it cannot be marked done.");
  }

  keys.register("1–9", "Pick a label (while the stance form is open)");
  keys.register("Enter", "Save the stance (while the form is open)");
  keys.register("Esc", "Cancel the form");
  keys.register("Ctrl+Z", "Undo the last create, edit or delete", undo);
  keys.register("J", "Next statement in your queue", () => { window.location.href = ws.dataset.nextUrl; });
  keys.register("K", "Previous statement in your queue", () => { window.location.href = ws.dataset.previousUrl; });
  keys.register("D", "Mark this statement done", markDone);

  /* ---- a highlight and its list item light each other up ---- */
  function idsOf(el) {
    const mark = el.closest && el.closest("mark[data-stances]");
    if (mark) return mark.dataset.stances.split(" ");
    const item = el.closest && el.closest("#stance-list li.stance");
    return item ? [item.id.replace("stance-", "")] : [];
  }

  function light(ids, on) {
    for (const id of ids) {
      const item = document.getElementById("stance-" + id);
      if (item) item.classList.toggle("linked", on);
      document.querySelectorAll('mark[data-stances~="' + id + '"]').forEach((m) => m.classList.toggle("linked", on));
    }
  }

  let lit = [];
  function follow(ev) {
    const ids = idsOf(ev.target);
    if (ids.join() === lit.join()) return;
    light(lit, false);
    light(ids, true);
    lit = ids;
  }
  document.addEventListener("mouseover", follow);
  document.addEventListener("focusin", follow);
})();
