// mdtwin dashboard: follows a run's progress on its page (GET /api/jobs/{id})
// and opens the patient's predictions when it is done. No other script.
"use strict";

(function () {
  const el = document.getElementById("job");
  if (!el) return;
  const id = el.dataset.id;
  const set = (name, v) => { const e = document.getElementById(name); if (e) e.textContent = v; };
  async function poll() {
    let st;
    try {
      const r = await fetch("/api/jobs/" + encodeURIComponent(id), { credentials: "same-origin", cache: "no-store" });
      if (!r.ok) throw new Error("HTTP " + r.status);
      st = await r.json();
    } catch (e) {
      set("job-error", "cannot read the run's progress: " + e.message);
      setTimeout(poll, 2000);
      return;
    }
    el.dataset.state = st.state;
    set("job-state", st.state);
    set("job-done", st.done);
    set("job-runs", st.runs);
    set("job-elapsed", st.elapsed_s);
    set("job-error", st.error || "");
    const bar = document.getElementById("job-progress");
    if (st.runs > 0) bar.value = (st.done + st.failed) / st.runs;
    const notes = document.getElementById("job-notes");
    if (st.notes && notes.children.length !== st.notes.length) {
      notes.replaceChildren(...st.notes.map((n) => { const li = document.createElement("li"); li.textContent = n; return li; }));
    }
    if (st.state === "done") {
      bar.value = 1;
      const a = document.createElement("a");
      a.href = st.patient_url + "#predictions-section";
      a.textContent = "See the prediction";
      document.getElementById("job-next").replaceChildren(a);
      setTimeout(() => { window.location.assign(a.href); }, 800);
      return;
    }
    if (st.state === "failed") {
      bar.removeAttribute("value");
      bar.hidden = true;
      return;
    }
    setTimeout(poll, 500);
  }
  poll();
})();

(function () {
  // The run form: show the scenario's own number of simulated patients.
  const sel = document.getElementById("scenario");
  const n = document.getElementById("n_patients");
  if (!sel || !n) return;
  const update = () => {
    const own = sel.selectedOptions[0] && sel.selectedOptions[0].dataset.patients;
    n.placeholder = own && own !== "0" ? "scenario: " + own : "";
    n.disabled = own === "0"; // a scenario without simulated patients
  };
  sel.addEventListener("change", update);
  update();
})();
