// The Paper Digest Mini App. Every value from the archive is put in with textContent
// (never innerHTML), every API call carries Telegram's raw initData, nothing loads from
// another server.
"use strict";
(function () {
  var TEXTS = JSON.parse(document.getElementById("texts").textContent);
  var main = document.getElementById("main");
  var errorBox = document.getElementById("error");
  var state = { lang: "en", session: null, searchSeq: 0, timer: 0, view: "search" };

  // ---------------------------------------------------------------- initData and theme
  function fragment() {
    return new URLSearchParams(location.hash.slice(1));
  }
  function readInitData() {
    var tg = window.Telegram && window.Telegram.WebApp;
    if (tg && tg.initData) return tg.initData;
    var data = fragment().get("tgWebAppData");
    try {
      if (data) sessionStorage.setItem("initData", data);
      else data = sessionStorage.getItem("initData") || "";
    } catch (e) { data = data || ""; }
    return data;
  }
  var initData = readInitData();

  function themeParams() {
    var tg = window.Telegram && window.Telegram.WebApp;
    if (tg && tg.themeParams && Object.keys(tg.themeParams).length) return tg.themeParams;
    try { return JSON.parse(fragment().get("tgWebAppThemeParams") || "null"); }
    catch (e) { return null; }
  }
  var VARS = { bg_color: "--bg", text_color: "--text", hint_color: "--hint",
    link_color: "--link", button_color: "--button", button_text_color: "--button-text",
    secondary_bg_color: "--card" };
  function stored(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* */ } }

  function applyTheme(choice) {
    var root = document.documentElement;
    Object.keys(VARS).forEach(function (k) { root.style.removeProperty(VARS[k]); });
    if (choice) { root.setAttribute("data-theme", choice); return; }
    root.removeAttribute("data-theme");
    var params = themeParams();
    if (!params) return;  // prefers-color-scheme decides (app.css)
    Object.keys(VARS).forEach(function (k) {
      if (params[k]) root.style.setProperty(VARS[k], params[k]);
    });
    if (params.bg_color) root.setAttribute("data-theme", isDark(params.bg_color) ? "dark" : "light");
  }
  function isDark(hex) {
    var n = parseInt(String(hex).replace("#", ""), 16);
    return ((n >> 16) & 255) * 0.3 + ((n >> 8) & 255) * 0.59 + (n & 255) * 0.11 < 128;
  }
  function currentTheme() {
    var set = document.documentElement.getAttribute("data-theme");
    if (set) return set;
    return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  // ---------------------------------------------------------------- helpers
  function t(key, values) {
    var text = (TEXTS[key] || {})[state.lang] || key;
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "onclick") node.addEventListener("click", attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function showError(key) {
    errorBox.textContent = t(key);
    errorBox.hidden = false;
  }
  function api(path, options) {
    options = options || {};
    var headers = { "X-Telegram-Init-Data": initData };
    if (options.body) headers["Content-Type"] = "application/json";
    return fetch(path, { method: options.method || "GET", headers: headers,
      body: options.body, signal: options.signal }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          var err = new Error(body.error || "error_other");
          err.status = response.status;
          throw err;
        });
      }
      return options.raw ? response : response.json();
    });
  }
  function failed(err) {
    if (err && err.name === "AbortError") return;
    showError((err && err.message && TEXTS[err.message]) ? err.message : "error_other");
  }
  function topicName(topic) { return state.lang === "zh" ? topic.zh : topic.en; }
  function weekLabel(d) { return (d.week ? d.week + " · " : "") + d.title; }

  // ---------------------------------------------------------------- navigation
  function go(view, id, replace) {
    if (!replace) state.pushed = (state.pushed || 0) + 1;
    var url = "?v=" + view + (id !== undefined && id !== null ? "&id=" + encodeURIComponent(id) : "");
    if (replace) history.replaceState({ view: view, id: id }, "", url);
    else history.pushState({ view: view, id: id }, "", url);
    render(view, id);
  }
  window.addEventListener("popstate", function (e) {
    state.pushed = Math.max(0, (state.pushed || 0) - 1);
    var s = e.state || { view: "search" };
    render(s.view, s.id);
  });
  function render(view, id) {
    errorBox.hidden = true;
    state.view = view;
    var tab = { week: "weeks", topic: "topics" }[view] || view;
    document.querySelectorAll("#tabs button").forEach(function (b) {
      b.setAttribute("aria-current", String(b.getAttribute("data-view") === tab));
    });
    clear(main);
    ({ search: viewSearch, weeks: viewWeeks, week: viewWeek, topics: viewTopics,
      topic: viewTopic, paper: viewPaper, reading: viewReading }[view] || viewSearch)(id);
  }
  function back() {
    return el("button", { type: "button", "class": "back", text: t("back"),
      onclick: function () {
        if (state.pushed > 0) { state.pushed--; history.back(); } else go("search", null, true);
      } });
  }

  // ---------------------------------------------------------------- lists of papers
  function saveButton(paper) {
    var button = el("button", { type: "button", "class": "save" });
    function show() {
      button.textContent = paper.saved ? "✓" : "📌";
      button.className = "save" + (paper.saved ? " on" : "");
      button.setAttribute("aria-pressed", String(paper.saved));
      button.title = t(paper.saved ? "saved" : "save");
    }
    show();
    button.addEventListener("click", function (e) {
      e.stopPropagation();
      toggleSave(paper).then(show);
    });
    if (!state.session.chat.member) button.hidden = true;
    return button;
  }
  function toggleSave(paper) {
    return api("api/reading/" + paper.id, { method: paper.saved ? "DELETE" : "POST" })
      .then(function (r) { paper.saved = r.saved; }).catch(failed);
  }
  function paperRow(paper, extra) {
    var meta = [paper.authors, weekLabel(paper.digest)].filter(Boolean).join(" · ");
    var body = el("div", { "class": "row-main", onclick: function () { go("paper", paper.id); } }, [
      el("div", { "class": "t-en", text: paper.title_en }),
      paper.title_zh ? el("div", { "class": "t-zh", text: paper.title_zh }) : null,
      el("div", { "class": "meta", text: meta }),
      extra || null,
    ]);
    return el("li", { "data-paper": String(paper.id) }, [body, extra ? null : saveButton(paper)]);
  }
  function paperList(papers) {
    return el("ul", { "class": "papers" }, papers.map(function (p) { return paperRow(p); }));
  }

  // ---------------------------------------------------------------- views
  function viewSearch() {
    var s = state.session;
    var input = el("input", { type: "search", id: "q", placeholder: t("search_placeholder"),
      autocomplete: "off", enterkeyhint: "search", "aria-label": t("tab_search") });
    var topic = el("select", { id: "topic", "aria-label": t("topics") },
      [el("option", { value: "", text: t("all_topics") })].concat(s.topics.map(function (x) {
        return el("option", { value: x.id, text: topicName(x) + " (" + x.count + ")" });
      })));
    var week = el("select", { id: "week", "aria-label": t("tab_weeks") },
      [el("option", { value: "", text: t("all_weeks") })].concat(s.weeks.map(function (d) {
        return el("option", { value: d.id, text: weekLabel(d) });
      })));
    var count = el("p", { "class": "count", id: "count" });
    var results = el("div", { id: "results" });
    input.value = state.query || "";
    topic.value = state.topic || "";
    week.value = state.week || "";
    main.appendChild(input);
    main.appendChild(el("div", { "class": "filters" }, [topic, week]));
    main.appendChild(count);
    main.appendChild(results);
    var controller = null;
    function run() {
      state.query = input.value; state.topic = topic.value; state.week = week.value;
      var seq = ++state.searchSeq;
      if (controller) controller.abort();
      controller = new AbortController();
      var q = "api/search?q=" + encodeURIComponent(input.value.trim()) +
        "&topic=" + encodeURIComponent(topic.value) + "&week=" + encodeURIComponent(week.value);
      var asked = q === "api/search?q=&topic=&week=" && firstSearch ? firstSearch
        : api(q, { signal: controller.signal });
      firstSearch = null;
      asked.then(function (found) {
        if (seq !== state.searchSeq) return;
        clear(results);
        count.textContent = found.total === 1 ? t("results_one")
          : found.total ? t("results", { count: found.total }) : t("no_results");
        results.appendChild(paperList(found.papers));
        // how long the answer took from the key press (what benchmarks/bench_webapp.py reads)
        if (state.inputAt) main.setAttribute("data-search-ms", (performance.now() - state.inputAt).toFixed(1));
        main.setAttribute("data-results", String(seq));
      }).catch(failed);
    }
    input.addEventListener("input", function () {
      state.inputAt = performance.now();
      clearTimeout(state.timer);
      state.timer = setTimeout(run, 15);
    });
    topic.addEventListener("change", run);
    week.addEventListener("change", run);
    run();
    if (!("ontouchstart" in window)) input.focus();
  }

  function viewWeeks() {
    main.appendChild(el("ul", { "class": "papers" }, state.session.weeks.map(function (d) {
      return el("li", {}, [el("div", { "class": "row-main", onclick: function () { go("week", d.id); } }, [
        el("div", { "class": "t-en", text: d.title }),
        el("div", { "class": "meta", text: (d.week || "") + " · " + t("papers_count", { count: d.count }) }),
      ])]);
    })));
  }
  function viewWeek(id) {
    main.appendChild(back());
    api("api/digest/" + encodeURIComponent(id)).then(function (found) {
      main.appendChild(el("h2", { text: found.digest.title }));
      main.appendChild(el("p", { "class": "count", text: (found.digest.week || "") + " · " +
        t("papers_count", { count: found.digest.count }) }));
      main.appendChild(paperList(found.papers));
    }).catch(failed);
  }
  function viewTopics() {
    main.appendChild(el("div", { "class": "chips" }, state.session.topics.map(function (x) {
      return el("button", { type: "button", "class": "chip", text: topicName(x) + " · " + x.count,
        onclick: function () { go("topic", x.id); } });
    })));
  }
  function viewTopic(id) {
    main.appendChild(back());
    api("api/topic/" + encodeURIComponent(id)).then(function (found) {
      main.appendChild(el("h2", { text: topicName(found.topic) }));
      main.appendChild(el("p", { "class": "count", text: t("papers_count", { count: found.total }) }));
      main.appendChild(paperList(found.papers));
    }).catch(failed);
  }

  function viewPaper(id) {
    main.appendChild(back());
    api("api/paper/" + encodeURIComponent(id)).then(function (p) {
      var save = el("button", { type: "button", "class": "primary", id: "save" });
      function show() { save.textContent = t(p.saved ? "saved" : "save"); }
      show();
      save.addEventListener("click", function () { toggleSave(p).then(show); });
      if (!state.session.chat.member) save.hidden = true;
      var bib = el("pre", { "class": "bib", id: "bibtex", text: p.bibtex });
      var copy = el("button", { type: "button", "class": "chip", text: t("copy"), onclick: function () {
        if (navigator.clipboard) navigator.clipboard.writeText(p.bibtex).then(function () {
          copy.textContent = t("copied");
        }).catch(function () { /* not allowed here */ });
      } });
      var parts = [
        el("h2", { id: "paper-title", text: p.title_en }),
        p.title_zh ? el("div", { "class": "t-zh", id: "paper-title-zh", text: p.title_zh }) : null,
        p.authors ? el("p", { "class": "meta", text: t("authors") + ": " + p.authors }) : null,
        p.venue ? el("p", { "class": "meta", text: t("venue") + ": " + p.venue }) : null,
        save,
        el("h3", { text: t("summary") }),
        el("div", { "class": "summary", text: p.abstract }),
        p.links.length ? el("h3", { text: t("links") }) : null,
        el("p", { "class": "links" }, p.links.map(function (link) {
          return el("a", { href: link.url, target: "_blank", rel: "noopener noreferrer", text: t(link.kind) });
        })),
        el("h3", { text: t("topics") }),
        el("div", { "class": "chips" }, p.topics.map(function (x) {
          return el("button", { type: "button", "class": "chip", text: topicName(x),
            onclick: function () { go("topic", x.id); } });
        })),
        el("h3", { text: t("digests") }),
        el("div", { "class": "chips" }, p.digests.map(function (d) {
          return el("button", { type: "button", "class": "chip", text: weekLabel(d),
            onclick: function () { go("week", d.id); } });
        })),
        el("h3", { text: t("bibtex") }),
        bib,
        copy,
      ];
      parts.forEach(function (node) { if (node) main.appendChild(node); });
    }).catch(failed);
  }

  function viewReading() {
    var s = state.session;
    var chat = s.chat.private ? t("this_chat") : (s.chat.title || t("this_chat"));
    main.appendChild(el("h2", { text: t("reading_of", { chat: chat }) }));
    if (!s.chat.member) { showError("error_member"); return; }
    var download = el("button", { type: "button", "class": "primary", id: "download-bib",
      text: t("download_bib"), onclick: downloadBib });
    var list = el("ul", { "class": "papers", id: "reading" });
    main.appendChild(download);
    main.appendChild(list);
    api("api/reading").then(function (found) {
      if (!found.items.length) {
        main.appendChild(el("p", { "class": "count", text: t("reading_empty") }));
        download.hidden = true;
      }
      found.items.forEach(function (item) {
        var who = item.saved_by_bot ? t("saved_by_bot") : item.saved_by;
        var readButton = el("button", { type: "button", "class": "chip mark",
          text: t(item.read ? "mark_unread" : "mark_read") });
        var remove = el("button", { type: "button", "class": "chip danger remove", text: t("remove") });
        var actions = el("div", { "class": "actions" }, [
          el("span", { "class": "meta", text: t("saved_by", { name: who, date: item.saved_at }) }),
          readButton, remove]);
        actions.addEventListener("click", function (e) { e.stopPropagation(); });
        var row = paperRow(item, actions);
        if (item.read) row.classList.add("is-read");
        readButton.addEventListener("click", function () {
          api("api/reading/" + item.id + "/read", { method: "POST",
            body: JSON.stringify({ read: !item.read }) }).then(function (r) {
            item.read = r.read;
            row.classList.toggle("is-read", item.read);
            readButton.textContent = t(item.read ? "mark_unread" : "mark_read");
          }).catch(failed);
        });
        remove.addEventListener("click", function () {
          api("api/reading/" + item.id, { method: "DELETE" }).then(function () {
            row.remove();
          }).catch(failed);
        });
        list.appendChild(row);
      });
    }).catch(failed);
  }
  function downloadBib() {
    api("api/reading.bib", { raw: true }).then(function (r) { return r.blob(); }).then(function (blob) {
      var link = el("a", { href: URL.createObjectURL(blob), download: "reading-list.bib" });
      document.body.appendChild(link);
      link.click();
      setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    }).catch(failed);
  }

  // ---------------------------------------------------------------- chrome and start
  function paintChrome() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.title = t("title");
    document.getElementById("title").textContent = t("title");
    document.getElementById("lang-switch").textContent = t("language");
    document.getElementById("theme-switch").textContent =
      t(currentTheme() === "dark" ? "theme_light" : "theme_dark");
    document.querySelectorAll("#tabs button").forEach(function (b) {
      b.textContent = t("tab_" + b.getAttribute("data-view"));
    });
  }
  document.getElementById("lang-switch").addEventListener("click", function () {
    state.lang = state.lang === "zh" ? "en" : "zh";
    store("lang", state.lang);
    paintChrome();
    if (state.session) render(state.view, (history.state || {}).id);
  });
  document.getElementById("theme-switch").addEventListener("click", function () {
    var next = currentTheme() === "dark" ? "light" : "dark";
    store("theme", next);
    applyTheme(next);
    paintChrome();
  });
  document.querySelectorAll("#tabs button").forEach(function (b) {
    b.addEventListener("click", function () { go(b.getAttribute("data-view")); });
  });

  applyTheme(stored("theme"));
  state.lang = stored("lang") || "en";
  paintChrome();
  var proxy = window.TelegramWebviewProxy;
  if (proxy && proxy.postEvent) { proxy.postEvent("web_app_ready", ""); proxy.postEvent("web_app_expand", ""); }

  // the first list is asked for alongside the session: the page is usable one round trip sooner
  var firstSearch = api("api/search?q=&topic=&week=");
  firstSearch.catch(function () { /* the session's answer explains */ });
  api("api/session").then(function (session) {
    state.session = session;
    if (!stored("lang")) state.lang = session.lang;
    paintChrome();
    var query = new URLSearchParams(location.search);
    if (session.open.paper) go("paper", session.open.paper, true);
    else if (session.open.reading || query.get("view") === "reading") go("reading", null, true);
    else if (query.get("paper")) go("paper", query.get("paper"), true);
    else if (query.get("v")) go(query.get("v"), query.get("id"), true);
    else go("search", null, true);
    document.body.setAttribute("data-ready", "1");
  }).catch(function (err) {
    showError(err.status === 401 ? "error_auth" : (TEXTS[err.message] ? err.message : "error_other"));
    document.body.setAttribute("data-ready", "error");
  });
})();
