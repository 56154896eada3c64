// The configurator island: renders what Python (in a worker) returns, and posts the user's changes.
// It decides nothing itself: option states, defaults, outputs and the permalink all come from the core.

const root = document.querySelector(".kec");
if (root) init(root);

function init(root) {
  const body = root.querySelector(".kec-body");
  const statusText = root.querySelector(".kec-status-text");
  const preset = JSON.parse(root.dataset.preset || "{}");
  const lang = root.dataset.lang || "en";
  let raw = { ...preset, ...fromQuery(location.search), lang };
  let activeTab = null;
  let ready = false;
  const pending = []; // changes made before Python was ready
  // the outputs shown belong to the form only while nothing is stale: a link's query or a change not
  // yet rendered makes them stale (copy and download wait); after a failed change they are the last
  // valid selection's, kept visible and marked until the form is valid again
  let presetChosen = false; // a preset picked before Python was ready
  let matchesForm = Object.keys(fromQuery(location.search)).length === 0;
  setStale(matchesForm ? "" : "pending");
  let seq = 0;
  const calls = new Map();
  // replies to the choices the form offers next, made by the worker while the user reads (see
  // prefetch below): key "field\nvalue" -> {reply, parsed}; only for what the page shows now (epoch)
  let epoch = 0;
  const ahead = new Map();
  let lastKey = "";

  // the page started the worker while it was parsed (webui.island); adopt it and what it said so far
  const early = window.__kecEarly;
  const worker = early ? early.worker : new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
  worker.onmessage = ({ data }) => {
    if (data.type === "progress") {
      const steps = JSON.parse(root.dataset.steps || "{}");
      statusText.textContent = `${root.dataset.loadingText} (${steps[data.step] || data.step})`;
    } else if (data.type === "ready") {
      root.dataset.boot = data.boot; // how Python started: fresh, snapshot, fallback (for tests and make bench)
      onReady();
    } else if (data.type === "failed") {
      root.dataset.state = "failed";
      statusText.textContent = data.error;
    } else if (data.type === "stored") {
      root.dataset.snapshot = "stored"; // the next visit restores it (for tests and make bench)
    } else if (data.type === "prefetched") {
      if (data.epoch !== epoch) return;
      const entry = { reply: data.reply, parsed: null };
      ahead.set(`${data.key}\n${data.choice}`, entry);
      idle(() => { if (ahead.get(`${data.key}\n${data.choice}`) === entry) entry.parsed = parse(entry.reply.html); });
    } else if (calls.has(data.id)) {
      const { resolve, reject } = calls.get(data.id);
      calls.delete(data.id);
      data.ok ? resolve(data.value) : reject(new Error(data.error));
    }
  };
  if (early) early.queue.splice(0).forEach((data) => worker.onmessage({ data }));
  const call = (op, args) => new Promise((resolve, reject) => {
    const id = ++seq;
    calls.set(id, { resolve, reject });
    worker.postMessage({ id, op, args });
  });

  async function onReady() {
    const changed = pending.length > 0 || presetChosen;
    for (const [key, value] of pending.splice(0)) raw = (await call("change", { raw, key, value, have: [] })).raw;
    statusText.textContent = root.dataset.readyText;
    await render(changed ? "replace" : null);
    ready = true;
    root.dataset.state = "ready";
    if ("serviceWorker" in navigator) {
      // repeat visits and offline use: the site's files from the cache (registered once Python runs)
      navigator.serviceWorker.register(new URL("../../sw.js", import.meta.url)).catch(() => {});
    }
  }

  // the digests of every unit shown: Python sends those back as stubs (webui._unit)
  const shown = () => [...body.querySelectorAll("[data-h]")].map((node) => node.dataset.h);

  async function render(history, rendered, parsed) {
    let out = rendered || (await call("render", { raw, have: shown() }));
    const before = digests();
    let kept;
    epoch++; // replies made ahead were for what the page showed until now
    ahead.clear();
    try {
      kept = place(out, parsed);
    } catch (e) {
      if (!(e instanceof MissingUnit)) throw e;
      console.debug("kubeedge-runtime: a unit to keep is not shown, rendering afresh:", e.message);
      // the page lost a unit it had: everything afresh, and no element is trusted to be what its
      // digest says (the failed morph may have left it half updated)
      out = await call("render", { raw, have: [] });
      kept = place(out, null, true);
    }
    showTab(activeTab);
    const changed = markChanged(before);
    if (out.ok) matchesForm = true;
    setStale(out.ok ? "" : kept ? "invalid" : "");
    announce(out.ok ? changed : null);
    // for tests and make bench: who answered the change, and Python's share of the wait
    if (out.pythonMs !== undefined) root.dataset.pythonMs = out.pythonMs.toFixed(1);
    root.dataset.answer = out.ahead ? "ahead" : "worker";
    root.dataset.permalink = out.permalink; // the selection the outputs show (a hook for scripts and tests)
    if (out.unknown.length) {
      statusText.textContent = `${root.dataset.noticeText} ${out.unknown.join(", ")}`;
    }
    // the address bar follows after the next frame: a history entry records the scroll position,
    // which would make the browser lay the whole page out now, before it can show the new outputs
    const url = pageUrl(out.permalink);
    const state = { raw };
    const now = epoch;
    if (history) requestAnimationFrame(() => setTimeout(() => {
      if (history === "push" && url !== location.pathname + location.search) window.history.pushState(state, "", url);
      else if (history === "replace") window.history.replaceState(state, "", url);
    }));
    setTimeout(() => prefetch(now), PREFETCH_AFTER_MS);
  }

  // While the user reads the outputs, the worker makes the replies to the choices the form offers
  // next (the options of every select in view that are not disabled): first the field changed last,
  // its options nearest the chosen one first (the arrow keys walk them), then the others in the
  // form's order. Such a change is then answered here, without waiting for Python.
  function prefetch(at) {
    if (at !== epoch || document.hidden) return;
    const choices = [];
    const selects = [...body.querySelectorAll(".kec-form select")]
      .filter((el) => !el.disabled && !el.closest("details:not([open])"))
      .sort((a, b) => (b.name === lastKey) - (a.name === lastKey));
    for (const el of selects) {
      const near = (o) => Math.abs(o.index - el.selectedIndex);
      const options = [...el.options].filter((o) => !o.disabled && o.value !== el.value);
      if (el.name === lastKey) options.sort((a, b) => near(a) - near(b));
      choices.push(...options.filter((o) => !ahead.has(`${el.name}\n${o.value}`)).map((o) => [el.name, o.value]));
    }
    worker.postMessage({ op: "prefetch", args: { epoch, raw, have: shown(), choices } });
  }

  function parse(html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = html;
    return tpl;
  }

  function place(out, parsed, fresh) {
    const tpl = parsed || parse(out.html);
    const kept = !out.ok && matchesForm && body.querySelector(".kec-outputs:not(.kec-blocked)");
    const blocked = tpl.content.querySelector(".kec-outputs.kec-blocked");
    if (kept && blocked) blocked.replaceWith(kept.cloneNode(true));
    morphChildren(body, tpl.content, fresh);
    return Boolean(kept);
  }

  async function apply(key, value) {
    setStale("pending");
    if (!ready) {
      pending.push([key, value]);
      return;
    }
    lastKey = key;
    const hit = ahead.get(`${key}\n${value}`);
    if (hit) {
      raw = hit.reply.raw;
      return render("push", { ...hit.reply, ahead: true, pythonMs: 0 }, hit.parsed);
    }
    epoch++; // the page leaves what it shows: what comes ahead for it is of no use
    ahead.clear();
    const out = await call("change", { raw, key, value, have: shown() });
    raw = out.raw;
    await render("push", out);
  }

  // a preset replaces the whole selection (a link without JS, the same selection with it)
  async function usePreset(values) {
    setStale("pending");
    if (!ready) {
      pending.splice(0);
      raw = { ...values, lang };
      presetChosen = true;
      return;
    }
    raw = { ...values, lang };
    await render("push");
  }

  // --- events ---------------------------------------------------------------------------------
  const timers = new Map();
  root.addEventListener("change", (e) => {
    const el = e.target;
    if (!el.name || !el.closest(".kec-form")) return;
    clearTimeout(timers.get(el.name));
    apply(el.name, el.value);
  });
  // text: applied on blur or Enter, or after a pause in typing; meanwhile the outputs are stale
  root.addEventListener("input", (e) => {
    const el = e.target;
    if (el.tagName !== "INPUT" || !el.name) return;
    setStale("pending");
    clearTimeout(timers.get(el.name));
    timers.set(el.name, setTimeout(() => apply(el.name, el.value), 1200));
  });
  root.addEventListener("submit", (e) => e.preventDefault());
  root.addEventListener("click", async (e) => {
    const tab = e.target.closest("[role=tab]");
    if (tab) return showTab(tab.dataset.artifact, true);
    const preset = e.target.closest("a[data-preset-raw]");
    if (preset) {
      e.preventDefault();
      return usePreset(JSON.parse(preset.dataset.presetRaw));
    }
    const button = e.target.closest("button[data-action]");
    if (!button) return;
    if (root.dataset.stale) return; // never copy or save what the form no longer says
    const scope = button.closest(".kec-panel, .kec-step");
    const code = scope && scope.querySelector("[data-artifact-path], .kec-cmd");
    if (button.dataset.action === "copy") {
      await copy(code.textContent);
      flash(button, root.dataset.copiedText);
    } else if (button.dataset.action === "download") {
      save(new Blob([code.textContent], { type: "text/plain" }), button.dataset.filename);
    } else if (button.dataset.action === "download-all" && ready) {
      save(new Blob([await call("zip", { raw })], { type: "application/zip" }), "kubeedge-runtime.zip");
    }
  });
  root.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target.tagName === "INPUT" && e.target.name) {
      clearTimeout(timers.get(e.target.name));
      apply(e.target.name, e.target.value);
      return;
    }
    const tab = e.target.closest("[role=tab]");
    if (!tab || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(e.key)) return;
    const tabs = [...root.querySelectorAll("[role=tab]")];
    let i = tabs.indexOf(tab);
    i = e.key === "Home" ? 0 : e.key === "End" ? tabs.length - 1
      : (i + (e.key === "ArrowRight" ? 1 : -1) + tabs.length) % tabs.length;
    showTab(tabs[i].dataset.artifact, true);
    e.preventDefault();
  });
  // a hidden page makes nothing ahead; shown again, it makes what it has not got yet
  document.addEventListener("visibilitychange", () => {
    if (!ready) return;
    if (document.hidden) worker.postMessage({ op: "prefetch", args: { epoch, raw, have: [], choices: [] } });
    else prefetch(epoch);
  });
  window.addEventListener("popstate", (e) => {
    raw = (e.state && e.state.raw) || { ...preset, ...fromQuery(location.search), lang };
    if (ready) render(null);
  });

  function setStale(why) {
    if (why) root.dataset.stale = why;
    else delete root.dataset.stale;
    for (const b of root.querySelectorAll(".kec-outputs button[data-action]")) b.disabled = Boolean(why);
    const note = root.querySelector(".kec-stale-note");
    if (note) {
      note.hidden = !why;
      note.textContent = why ? root.dataset[why === "invalid" ? "staleInvalidText" : "staleText"] : "";
    }
  }

  function digests() {
    return new Map([...root.querySelectorAll(".kec-panel")].map((p) => [p.dataset.artifact, p.dataset.h]));
  }

  // the live diff: tabs whose file changed with the last change are marked until the next one
  function markChanged(before) {
    const changed = [];
    for (const tab of root.querySelectorAll("[role=tab]")) {
      const panel = root.querySelector(`#${tab.getAttribute("aria-controls")}`);
      const was = before.get(tab.dataset.artifact);
      const differs = before.size > 0 && was !== panel.dataset.h;
      tab.classList.toggle("kec-changed", differs);
      if (differs) changed.push(tab.textContent);
    }
    return changed;
  }

  function announce(changed) {
    const live = root.querySelector(".kec-live");
    if (!live) return;
    const errors = root.querySelectorAll(".kec-form .kec-error").length;
    live.textContent = changed === null
      ? root.dataset.errorsText.replace("{count}", errors)
      : changed.length ? root.dataset.changedText.replace("{files}", changed.join(root.dataset.listSepText))
        : root.dataset.updatedText;
  }

  function showTab(id, focus) {
    const tabs = [...root.querySelectorAll("[role=tab]")];
    if (!tabs.length) return;
    const chosen = tabs.find((t) => t.dataset.artifact === id) || tabs[0];
    activeTab = chosen.dataset.artifact;
    for (const t of tabs) {
      const on = t === chosen;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      root.querySelector(`#${t.getAttribute("aria-controls")}`).hidden = !on;
    }
    if (focus) chosen.focus();
  }

  function pageUrl(permalink) {
    const params = new URLSearchParams(permalink);
    params.delete("lang"); // the page decides the language
    const q = params.toString();
    return location.pathname + (q ? `?${q}` : "");
  }
}

// Replies are made ahead once the page has been still for this long: changes in quick succession
// (an arrow key held on a select) never wait for a reply being made ahead.
const PREFETCH_AFTER_MS = 100;
const idle = (fn) => (window.requestIdleCallback ? requestIdleCallback(fn, { timeout: 1000 }) : setTimeout(fn, 50));

function fromQuery(search) {
  const out = {};
  for (const [k, v] of new URLSearchParams(search)) if (k !== "lang") out[k] = v;
  return out;
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
}

function flash(button, text) {
  const old = button.textContent;
  button.textContent = text;
  setTimeout(() => { button.textContent = old; }, 1500);
}

function save(blob, filename) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// --- DOM morphing: bring the live tree to the new markup, keeping focus, typed text and open details.
// An element the page already shows comes as an empty stub with its digest (data-keep, see
// webui._unit): the live element with that digest, among the same parent's children, stays as it is.
class MissingUnit extends Error {}

const isStub = (node) => node.nodeType === 1 && node.hasAttribute("data-keep");
// what pairs a new element with the live one it updates: its id (panels, tabs) or its field
const keyOf = (node) => (node.nodeType === 1 ? node.id || node.getAttribute("data-field") || "" : "");

function morphChildren(live, next, fresh) {
  const old = [...live.childNodes];
  const byDigest = new Map(); // digest -> the live elements with it, in order (runs of lines can repeat)
  const byKey = new Map();
  for (const node of old) {
    const h = node.nodeType === 1 && node.getAttribute("data-h");
    if (h) byDigest.set(h, [...(byDigest.get(h) || []), node]);
    if (keyOf(node)) byKey.set(keyOf(node), node);
  }
  const incoming = [...next.childNodes];
  const used = new Set();
  // a stub takes the live element with its digest as it is
  const result = incoming.map((node) => {
    if (!isStub(node)) return null;
    const have = (byDigest.get(node.getAttribute("data-h")) || []).shift();
    if (!have) throw new MissingUnit(node.getAttribute("data-h"));
    used.add(have);
    return have;
  });
  // any other node updates the live one with its key, or (keyless) the next keyless one; an
  // output's text (<pre>) takes the freshly parsed runs of lines as they are
  const pre = live.tagName === "PRE";
  let cursor = 0;
  incoming.forEach((node, at) => {
    if (result[at]) return;
    let was;
    if (!pre && keyOf(node)) {
      was = byKey.get(keyOf(node));
    } else if (!pre) {
      while (cursor < old.length && (used.has(old[cursor]) || keyOf(old[cursor]))) cursor++;
      was = old[cursor];
    }
    if (was && !used.has(was) && was.nodeType === node.nodeType && was.nodeName === node.nodeName) {
      used.add(was);
      morph(was, node, fresh);
      result[at] = was;
    } else {
      // a new element goes in as parsed: it cannot hold stubs of elements it never had
      if (node.nodeType === 1 && node.querySelector("[data-keep]")) throw new MissingUnit(keyOf(node));
      result[at] = node;
    }
  });
  for (const node of old) if (!used.has(node)) node.remove();
  result.forEach((node, at) => {
    if (live.childNodes[at] !== node) live.insertBefore(node, live.childNodes[at] || null);
  });
}

function morph(a, b, fresh) {
  if (a.nodeType !== 1) {
    if (a.nodeValue !== b.nodeValue) a.nodeValue = b.nodeValue;
    return;
  }
  const h = b.getAttribute("data-h");
  if (!fresh && h && a.getAttribute("data-h") === h) return; // same content as shown: nothing to do
  const keepOpen = a.tagName === "DETAILS";
  for (const { name } of [...a.attributes]) {
    if (!b.hasAttribute(name) && !(keepOpen && name === "open")) a.removeAttribute(name);
  }
  for (const { name, value } of [...b.attributes]) {
    if (a.getAttribute(name) !== value) a.setAttribute(name, value);
  }
  if (a.tagName === "INPUT") {
    const value = b.getAttribute("value") || "";
    if (a.type !== "password" && a !== document.activeElement && a.value !== value) a.value = value;
    return;
  }
  morphChildren(a, b, fresh);
  if (a.tagName === "SELECT") {
    const selected = b.querySelector("option[selected]");
    if (selected && a.value !== selected.value) a.value = selected.value;
  }
}
