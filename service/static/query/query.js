/* The Qantar query page: YASGUI on our endpoint, our prefixes, the competency questions as
 * examples, IRIs under our base linked to this server's entity pages, and download links. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("qantar-config").textContent);
  const endpoint = new URL(config.endpoint, window.location.href).href;
  const localRoot = new URL(config.localRoot, window.location.href).href;

  const prefixLines = Object.entries(config.prefixMap)
    .map(([prefix, ns]) => `PREFIX ${prefix}: <${ns}>`).join("\n");
  const defaultQuery = `${prefixLines}\n\nSELECT ?entity ?label WHERE {\n` +
    `  ?entity a qantar:Person ; rdfs:label ?label .\n} ORDER BY ?label LIMIT 100\n`;

  // Everything stays on this server: no prefix.cc, no LOV look-ups, no other endpoints.
  Yasgui.Yasqe.defaults.value = defaultQuery;
  Yasgui.Yasqe.defaults.prefixCcApi = new URL(config.prefixes, window.location.href).href;
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  // The table's "simple view" on: 2000, not "2000"^^xsd:integer (the switch still turns it off).
  Yasgui.Yasr.defaults.plugins.table.dynamicConfig = { compact: true };
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    persistenceId: "qantar-query",
    copyEndpointOnNewTab: true,
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }], keys: [] },
    yasqe: { value: defaultQuery },
    yasr: { prefixes: config.prefixMap },
  });

  /** Our IRIs (under the base IRI) point to the same path on this server. */
  function localise(anchor) {
    const href = anchor.getAttribute("href");
    if (href && href.startsWith(config.baseIri)) {
      anchor.setAttribute("href", localRoot + href.slice(config.baseIri.length));
      anchor.setAttribute("title", href);
      anchor.classList.add("qantar-entity");
    }
  }
  function localiseAll(root) {
    root.querySelectorAll(`.yasr a[href^="${config.baseIri}"]`).forEach(localise);
  }
  new MutationObserver(() => localiseAll(document.getElementById("yasgui")))
    .observe(document.getElementById("yasgui"), { childList: true, subtree: true });

  const EXTENSIONS = { turtle: "ttl", ntriples: "nt", rdfxml: "rdf", jsonld: "jsonld" };

  /** Download links for the current tab's query, in every format its kind of result has. */
  function updateDownloads() {
    const box = document.getElementById("download-links");
    const tab = yasgui.getTab();
    const yasqe = tab && tab.getYasqe();
    box.textContent = "";
    if (!yasqe || yasqe.getQueryMode() !== "query") {
      box.innerHTML = '<span class="none">(updates have no results to download)</span>';
      return;
    }
    const kind = yasqe.getQueryType();
    const graph = kind === "CONSTRUCT" || kind === "DESCRIBE";
    const formats = graph ? config.graphDownloads : config.resultDownloads;
    const query = yasqe.getValue();
    const target = tab.getEndpoint() || endpoint;
    for (const [label, format] of formats) {
      const link = document.createElement("a");
      link.href = `${target}?query=${encodeURIComponent(query)}&format=${format}`;
      link.textContent = label;
      link.dataset.format = format;
      link.setAttribute("download", `qantar-results.${EXTENSIONS[format] || format}`);
      box.appendChild(link);
    }
  }

  function watchTab(tab) {
    const yasqe = tab && tab.getYasqe();
    if (yasqe && !yasqe.qantarWatched) {
      yasqe.qantarWatched = true;
      yasqe.on("change", updateDownloads);
    }
    updateDownloads();
  }
  yasgui.on("tabSelect", () => setTimeout(() => watchTab(yasgui.getTab()), 0));
  yasgui.on("tabAdd", () => setTimeout(() => watchTab(yasgui.getTab()), 0));
  yasgui.on("queryResponse", () => localiseAll(document.getElementById("yasgui")));
  watchTab(yasgui.getTab());

  /** The competency questions, each opened in a tab of its own (or re-selected if open). */
  const picker = document.getElementById("examples");
  fetch(config.examples)
    .then((response) => response.json())
    .then((examples) => {
      picker.innerHTML = '<option value="">Pick a question to open it in a new tab…</option>';
      for (const example of examples) {
        const option = document.createElement("option");
        option.value = example.id;
        option.textContent = `${example.id.slice(0, 2)}. ${example.title}`;
        option.title = example.description;
        picker.appendChild(option);
      }
      picker.disabled = false;
      picker.addEventListener("change", () => {
        const example = examples.find((e) => e.id === picker.value);
        if (example) openExample(example);
        picker.value = "";
      });
    })
    .catch((error) => {
      picker.innerHTML = `<option value="">The examples could not be loaded: ${error}</option>`;
    });

  function openExample(example) {
    const name = example.id.slice(0, 2) + ". " + example.title;
    const open = yasgui.tabNameTaken(name);
    if (open) {
      yasgui.selectTabId(open.getId());
      return;
    }
    watchTab(yasgui.addTab(true, { name: name, yasqe: { value: example.query } }));
  }

  /** A short link to the current query, saved on the current version of the data. */
  const saveButton = document.getElementById("save-query");
  const permalink = document.getElementById("permalink");
  if (config.savedQueries) {
    saveButton.hidden = false;
    saveButton.addEventListener("click", () => {
      const yasqe = yasgui.getTab() && yasgui.getTab().getYasqe();
      if (!yasqe) return;
      permalink.textContent = "Saving…";
      fetch(config.savedQueries, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new URLSearchParams({ query: yasqe.getValue() }),
      })
        .then((response) => (response.ok
          ? response.json().then((saved) => {
            const link = document.createElement("a");
            link.href = new URL(saved.url, window.location.href).href;
            link.textContent = link.href;
            link.id = "permalink-link";
            permalink.textContent = "Permalink: ";
            permalink.appendChild(link);
          })
          : response.text().then((message) => {
            permalink.textContent = `Not saved: ${message}`;
          })))
        .catch((error) => { permalink.textContent = `Not saved: ${error}`; });
    });
  }

  window.qantarYasgui = yasgui;
})();
